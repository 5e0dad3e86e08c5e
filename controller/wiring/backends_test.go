package wiring

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/controller/config"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial/emulator"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
)

// TestSerialBackend runs a short session on a serial chamber whose board
// is the emulator on a pseudo-terminal, through the box Boxes makes.
func TestSerialBackend(t *testing.T) {
	board, err := emulator.New(emulator.WithHoles(5))
	if err != nil {
		t.Skipf("no pseudo-terminal for the board emulator: %v", err)
	}
	defer board.Close()
	c := &config.Config{Chambers: []config.Chamber{{Name: "box1", Backend: hardware.BackendSerial, Serial: &config.Serial{Port: board.Path(), Baud: config.DefaultBaud}}}}
	if err := CheckHardware(c); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var faults []error
	hook := func(_ string, err error) { mu.Lock(); faults = append(faults, err); mu.Unlock() }
	boxes, err := Boxes(c, Hooks{Log: slog.New(slog.DiscardHandler), HardwareError: hook})
	if err != nil {
		t.Fatal(err)
	}
	p := protocols.Default()
	p.Holes = 3
	if _, _, err := boxes[0].Open(p, 1, "R01"); err == nil || !strings.Contains(err.Error(), "has 5") {
		t.Errorf("a 3-hole protocol on a 5-hole board: %v", err)
	}
	p = protocols.Default()
	ch, tl, err := boxes[0].Open(p, 1, "R01")
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	ps, _ := protocols.NewSession(p)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := controller.Run(ctx, controller.Setup{Protocol: ps, Chamber: ch, Timeline: tl})
	if err != nil {
		t.Fatal(err)
	}
	if res.EndReason != protocols.EndStopped || res.Err != nil {
		t.Errorf("session on the emulated board: %v (%v)", res.EndReason, res.Err)
	}
	if !board.Lit(hardware.HouseLight) && len(board.Outputs()) == 0 {
		t.Error("the board saw no output")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(faults) != 1 { // the 3-hole refusal
		t.Errorf("hardware errors reported: %v", faults)
	}
}

func TestCheckHardwareNamesTheChamber(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fivechoice.yaml")
	if err := os.WriteFile(path, []byte("chambers:\n"+gpioChamber("left", "gpiochip0")+gpioChamber("right", "gpiochip97")), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.LoadChambers(path)
	if err != nil {
		t.Fatal(err)
	}
	err = CheckHardware(c)
	if err == nil {
		t.Fatal("a chip that does not exist was accepted")
	}
	if msg := err.Error(); !strings.Contains(msg, "chamber right") || strings.Contains(msg, "chamber 2") {
		t.Errorf("hardware check: %v: want the chamber named", err)
	}
}

// run runs one session of params on box with the real runner.
func run(t *testing.T, box controller.Box, p protocols.Params) controller.Result {
	t.Helper()
	ch, tl, err := box.Open(p, p.Seed, "R01")
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	ps, err := protocols.NewSession(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch, Timeline: tl})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSimSpeed runs the same seeded session on virtual time, paced 500
// times faster than the wall clock: the outcome is identical to an
// unpaced virtual run, and the wall time is the session time / 500.
func TestSimSpeed(t *testing.T) {
	p := protocols.Default()
	p.MaxTrials, p.Seed = 10, 42
	boxes, err := Boxes(&config.Config{Chambers: []config.Chamber{{Name: "fast", Backend: hardware.BackendSim, Sim: &config.Sim{Speed: 500}}}}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	paced := run(t, boxes[0], p)
	wall := time.Since(start)

	ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, p.Seed))
	ps, _ := protocols.NewSession(p)
	virtual, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch})
	if err != nil {
		t.Fatal(err)
	}
	if paced.EndReason != protocols.EndMaxTrials || paced.At != virtual.At || paced.Summary.Counters != virtual.Summary.Counters {
		t.Errorf("paced run %v at %v %+v; virtual %v at %v %+v", paced.EndReason, paced.At, paced.Summary.Counters,
			virtual.EndReason, virtual.At, virtual.Summary.Counters)
	}
	want := paced.At / 500
	if wall < want || wall > want+2*time.Second {
		t.Errorf("a %v session at 500x took %v of wall time, want about %v", paced.At, wall, want)
	}
}

// TestPacedStop stops a paced session while it waits: it ends "stopped"
// at about the session time the wall clock had reached.
func TestPacedStop(t *testing.T) {
	boxes, _ := Boxes(&config.Config{Chambers: []config.Chamber{{Name: "s", Backend: hardware.BackendSim, Sim: &config.Sim{Speed: 10}}}}, Hooks{})
	p := protocols.Default()
	p.Seed = 1
	ch, tl, err := boxes[0].Open(p, p.Seed, "R01")
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	ps, _ := protocols.NewSession(p)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := controller.Run(ctx, controller.Setup{Protocol: ps, Chamber: ch, Timeline: tl})
	if err != nil {
		t.Fatal(err)
	}
	// Not ahead of the wall clock (the virtual timeline has run on to its
	// next event), not before the stop. Session time zero is the first
	// paced step, a little after start (1.6 ms on a loaded CI machine), so
	// the stop may come up to that much, times 10, before 3 s.
	if reached := 10 * time.Since(start); res.EndReason != protocols.EndStopped || res.At < 2900*time.Millisecond || res.At > reached {
		t.Errorf("stopped after 300ms at 10x: %v at %v, want stopped between 3s and %v", res.EndReason, res.At, reached)
	}
}

// TestHardwareErrorsReported fails a chamber in the middle of a session
// and checks that the hook hears of it once.
func TestHardwareErrorsReported(t *testing.T) {
	var mu sync.Mutex
	var got []string
	hook := func(chamber string, err error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, chamber+": "+err.Error())
	}
	boxes, _ := Boxes(&config.Config{Chambers: []config.Chamber{{Name: "box1", Backend: hardware.BackendSim, Sim: &config.Sim{Speed: 1}}}}, Hooks{HardwareError: hook})
	p := protocols.Default()
	p.Seed = 3
	ch, tl, err := boxes[0].Open(p, p.Seed, "R01")
	if err != nil {
		t.Fatal(err)
	}
	inner := ch.(*counted).Chamber.(*sim.Chamber)
	ps, _ := protocols.NewSession(p)
	time.AfterFunc(50*time.Millisecond, func() { inner.Fail(errors.New("cable pulled")) })
	res, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch, Timeline: tl})
	if err != nil {
		t.Fatal(err)
	}
	ch.Close()
	if res.EndReason != protocols.EndAborted {
		t.Errorf("end %v (%v), want aborted", res.EndReason, res.Err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], "box1: cable pulled") {
		t.Errorf("hardware errors reported: %q, want the one fault once", got)
	}
	for _, g := range got {
		if strings.Contains(g, "closed") {
			t.Errorf("a chamber closed on purpose was reported: %q", got)
		}
	}
	var _ hardware.Chamber = ch
}

// gpioChamber is one GPIO chamber's YAML on lines 0..13 of chip.
func gpioChamber(name, chip string) string {
	return "  - name: " + name + "\n    backend: gpio\n    gpio:\n" +
		"      chip: " + chip + "\n      chip_label: test-chip\n" +
		"      holes: [0, 1, 2, 3, 4]\n      magazine_beam: 5\n" +
		"      stimulus_lights: [6, 7, 8, 9, 10]\n      house_light: 11\n" +
		"      magazine_light: 12\n      pellet: 13\n      debounce: 0s\n      pellet_pulse: 50ms\n"
}
