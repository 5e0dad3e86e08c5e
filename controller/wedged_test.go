package controller_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

// stuckTimeline never hands out its deadlines: a runner stuck as one in
// a hung driver call would be. Only a stop frees it.
type stuckTimeline struct{}

func (stuckTimeline) Now() time.Duration { return 0 }
func (stuckTimeline) Next(ctx context.Context, _ time.Duration) (hardware.Event, bool, error) {
	<-ctx.Done()
	return hardware.Event{}, false, ctx.Err()
}

// TestWedgedRunnerFound: a runner that has not carried out a deadline long
// after it was due is reported (the daemon then stops feeding systemd's
// watchdog); a healthy one, and one within its grace, are not.
func TestWedgedRunnerFound(t *testing.T) {
	_, w := storagetest.Open(t, "R01", "R02")
	boxes := []controller.Box{
		{Name: "stuck", Backend: "sim", Open: func(protocols.Params, uint64, string) (hardware.Chamber, controller.Timeline, error) {
			return sim.NewVirtual(sim.Script{}), stuckTimeline{}, nil
		}},
		{Name: "fine", Backend: "sim", Open: func(protocols.Params, uint64, string) (hardware.Chamber, controller.Timeline, error) {
			return sim.NewRealtime(&quickRat{}), nil, nil
		}},
	}
	sup, err := controller.NewSupervisor(w, slog.New(slog.DiscardHandler), boxes, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := fast(1)
	p.MaxTrials = 1000
	if _, err := sup.Start("fine", controller.Plan{Provenance: storage.Provenance{Subject: "R02", Condition: "vehicle", Params: p}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if err := sup.Wedged(200 * time.Millisecond); err != nil {
		t.Errorf("a healthy runner reported: %v", err)
	}
	// Awaiting the rat's first magazine entry, its one deadline is the
	// time limit.
	stuck := fast(2)
	stuck.MaxDuration = protocols.Duration(100 * time.Millisecond)
	id, err := sup.Start("stuck", controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: stuck}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // its deadline (100 ms) is long past
	if err := sup.Wedged(time.Hour); err != nil {
		t.Errorf("reported within its grace: %v", err)
	}
	err = sup.Wedged(200 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), id) || !strings.Contains(err.Error(), "stuck") {
		t.Errorf("Wedged = %v, want the stuck session named", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sup.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sup.Wedged(0); err != nil {
		t.Errorf("after shutdown: %v", err)
	}
}
