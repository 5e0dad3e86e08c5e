package wiring

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/controller/config"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial/emulator"
)

func TestOutputsOffSerial(t *testing.T) {
	board, err := emulator.New(emulator.WithHoles(5))
	if err != nil {
		t.Skipf("no pseudo-terminal for the board emulator: %v", err)
	}
	defer board.Close()
	c := &config.Config{Chambers: []config.Chamber{
		{Name: "box1", Backend: hardware.BackendSerial, Serial: &config.Serial{Port: board.Path(), Baud: config.DefaultBaud}},
		{Name: "box2", Backend: hardware.BackendSerial, Serial: &config.Serial{Port: filepath.Join(t.TempDir(), "ttyUSB9"), Baud: config.DefaultBaud}},
		{Name: "sim1", Backend: hardware.BackendSim, Sim: &config.Sim{Speed: 1}},
	}}
	offs := OutputsOff(c, slog.New(slog.DiscardHandler))
	if len(offs) != 2 {
		t.Fatalf("got %+v, want the two serial chambers", offs)
	}
	if o := offs[0]; o.Err != nil || !strings.Contains(o.Done, "halted") {
		t.Errorf("the emulated board: %+v", o)
	}
	if o := offs[1]; o.Err == nil || !strings.Contains(o.Err.Error(), "did not answer, so it was not told to switch its outputs off") {
		t.Errorf("a board that is not there: %+v", o)
	}
	if len(GPIOOutputsOff(c)) != 0 {
		t.Error("GPIOOutputsOff touched a serial chamber")
	}
}
