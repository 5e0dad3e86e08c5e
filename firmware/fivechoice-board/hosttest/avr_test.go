package hosttest

import (
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/fivechoice/fivechoice/firmware/avrsim"
	"github.com/fivechoice/fivechoice/hardware/serial"
)

// avrBoard is the firmware on an emulated AVR.
type avrBoard struct{ sim *avrsim.Sim }

func (b avrBoard) path() string { return b.sim.Path() }

func (b avrBoard) set(pin string, level int) { b.sim.Set(pin, level) }

func (b avrBoard) writesTo(pin string) []write {
	var ws []write
	for _, c := range b.sim.Changes() {
		if c.Output && c.Pin == pin {
			ws = append(ws, write{at: b.sim.Time(c.Cycle), level: c.Level})
		}
	}
	return ws
}

// buildAVR builds the firmware for every board, and the harness, once per
// test binary.
var buildAVR = sync.OnceValues(func() (avrsim.Kit, error) {
	dir, err := os.MkdirTemp("", "fivechoice-avr")
	if err != nil {
		return avrsim.Kit{}, err
	}
	avrDir = dir
	return avrsim.Build(dir)
})

// startSim runs the firmware on an emulated board until the test ends; the
// harness's figures are logged then.
func startSim(t *testing.T, b avrsim.Board, freeze bool) *avrsim.Sim {
	t.Helper()
	avrsim.Need(t)
	kit, err := buildAVR()
	if err != nil {
		t.Fatal(err)
	}
	sim, err := avrsim.Start(avrsim.Options{Board: b, ELF: kit.ELF(b), Harness: kit.Harness, FreezeTimer: freeze, Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st, err := sim.Close()
		if err != nil {
			t.Errorf("harness: %v", err)
		}
		t.Logf("%s: %d cycles, stack peak %d bytes (%d never touched), real-time priority %v, max lag %v, %d slips %v",
			b.Name, st.Cycles, st.StackPeak, st.StackLeft, st.Realtime, st.MaxLag, st.Slips, sim.Lags())
		// The static RAM check at build time leaves the stack this much:
		// what the firmware used must fit in it.
		if margin, err := avrsim.StackMargin(); err != nil || st.StackPeak > margin {
			t.Errorf("stack peak %d bytes, the build's margin %d (%v)", st.StackPeak, margin, err)
		}
	})
	return sim
}

func startAVR(t *testing.T, b avrsim.Board, freeze bool) board {
	return avrBoard{startSim(t, b, freeze)}
}

// TestFrozenTimerRefused runs the firmware with the AVR's timer 0 stopped,
// as QEMU's AVR machines run it (their timers are not implemented): the
// board answers the handshake, but micros() never advances, and the host
// refuses it, naming the port.
func TestFrozenTimerRefused(t *testing.T) {
	sim := startSim(t, avrsim.Uno, true)
	_, err := serial.Open(sim.Path(), serial.WithLogger(quiet()))
	if !errors.Is(err, serial.ErrClock) || !strings.Contains(err.Error(), sim.Path()) || !strings.Contains(err.Error(), "does not advance") {
		t.Fatalf("a board whose clock does not advance: %v; want ErrClock naming %s", err, sim.Path())
	}
	t.Log(err)
}
