package controller_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

// TestChangedFollowsTheSession waits only on Changed (never polls) and
// sees the session start, advance and end: the page's live stream relies
// on a change of any chamber waking it. The live view carries the session
// time, the limits and the strip of recent outcomes (issue 13).
func TestChangedFollowsTheSession(t *testing.T) {
	_, w := storagetest.Open(t, "R01")
	box := controller.Box{Name: "box1", Backend: "sim", Open: func(protocols.Params, uint64, string) (hardware.Chamber, controller.Timeline, error) {
		return sim.NewRealtime(&quickRat{}), nil, nil
	}}
	sup, err := controller.NewSupervisor(w, slog.New(slog.DiscardHandler), []controller.Box{box}, nil)
	if err != nil {
		t.Fatal(err)
	}
	changed := sup.Changed()
	p := fast(3)
	p.MaxTrials = 20
	if _, err := sup.Start("box1", controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Protocol: "fast", Params: p}}); err != nil {
		t.Fatal(err)
	}
	var best controller.ChamberStatus
	for ended := false; !ended; {
		select {
		case <-changed:
		case <-time.After(30 * time.Second): // a hang, not a speed check
			t.Fatal("no change announced in 30 s while a session ran")
		}
		changed = sup.Changed()
		st, _ := sup.Chamber("box1")
		if st.State == "running" && len(st.Recent) >= len(best.Recent) {
			best = st
		}
		ended = st.State == "idle" && st.Last != nil
	}
	if best.MaxTrials != 20 || best.ElapsedS <= 0 {
		t.Errorf("live view: max_trials %d, elapsed %v s", best.MaxTrials, best.ElapsedS)
	}
	if len(best.Recent) == 0 || len(best.Recent) > controller.RecentOutcomes {
		t.Errorf("recent outcomes %v: want 1 to %d", best.Recent, controller.RecentOutcomes)
	}
	for _, o := range best.Recent {
		if o == protocols.Pending.String() {
			t.Errorf("recent outcomes %v hold a pending attempt", best.Recent)
		}
	}
}
