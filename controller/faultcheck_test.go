package controller_test

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

// TestAbortChecksTheHardwareAtOnce: a session a fault ended has its
// chamber's hardware looked at right away (an unplugged board is shown
// faulted at once, not at the next round of checks), and a chamber whose
// hardware is fine is ready again.
func TestAbortChecksTheHardwareAtOnce(t *testing.T) {
	for _, gone := range []bool{true, false} {
		_, w := storagetest.Open(t, "R01")
		var unplugged atomic.Bool
		var mu sync.Mutex
		var ch *sim.Chamber
		box := controller.Box{Name: "board", Backend: "serial",
			Open: func(protocols.Params, uint64, string) (hardware.Chamber, controller.Timeline, error) {
				mu.Lock()
				defer mu.Unlock()
				ch = sim.NewRealtime(&quickRat{})
				return ch, nil, nil
			},
			Check: func() error {
				if unplugged.Load() {
					return errors.New("serial port: no such file or directory")
				}
				return nil
			}}
		sup, err := controller.NewSupervisor(w, slog.New(slog.DiscardHandler), []controller.Box{box}, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := fast(1)
		p.MaxTrials = 1000
		if _, err := sup.Start("board", controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: p}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
		unplugged.Store(gone)
		mu.Lock()
		ch.Fail(errors.New("board disconnected"))
		mu.Unlock()
		sup.Wait()
		st, _ := sup.Chamber("board")
		if want := map[bool]string{true: "faulted", false: "idle"}[gone]; st.State != want {
			t.Errorf("hardware gone %v: chamber %+v, want %s without waiting for the next check", gone, st, want)
		}
	}
}
