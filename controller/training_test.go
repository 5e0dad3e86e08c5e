package controller_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
	"github.com/fivechoice/fivechoice/training"
)

var day0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.Local)

// trainDay runs a rat's training session of day n (its stage from its
// stored state) with a trained virtual rat on virtual time, recorded.
func trainDay(t *testing.T, d *storage.DB, w *storage.Writer, subject string, n int, ctx context.Context) controller.Recorded {
	t.Helper()
	now := day0.AddDate(0, 0, n)
	plan, err := controller.PlanTraining(context.Background(), d, subject, protocols.Lookup, now, false, uint64(n))
	if err != nil {
		t.Fatalf("day %d: %v", n, err)
	}
	plan.StartedAt = now
	ch := sim.NewVirtual(rat.New(rat.Default(), plan.Params.Holes, uint64(n)))
	rec, err := controller.RunRecorded(ctx, w, plan, controller.Setup{Chamber: ch, Timeline: ch})
	if err != nil {
		t.Fatalf("day %d: %v", n, err)
	}
	return rec
}

// recompute is the programme's decision recomputed independently from
// the stored sessions under the rat's state before the last session.
func recompute(t *testing.T, d *storage.DB, under storage.StageChange) training.Decision {
	t.Helper()
	ctx := context.Background()
	prog := training.Builtin()
	_, at, err := prog.Stage(under.To)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := d.SessionsUnder(ctx, under.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ss []training.Session
	for _, s := range stored {
		as, err := d.Attempts(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		ss = append(ss, training.SessionOf(s.ID, s.EndReason, s.Params, as, 0))
	}
	return prog.Decide(at, ss)
}

// TestTrainingAdvancesFromTheRecords: the stage is chosen from the rat's
// stored state; each end's decision, recomputed from the stored sessions,
// is the change recorded with it; the rat moves through magazine training
// and stage 1 (two consecutive sessions of at least 30 correct).
func TestTrainingAdvancesFromTheRecords(t *testing.T) {
	d, w := storagetest.Open(t, "R01")
	ctx := context.Background()
	if _, err := controller.Enrol(ctx, d, "R01", "", "", "tech", "", protocols.Lookup, day0); err != nil {
		t.Fatal(err)
	}
	want := []string{"stage1", "stage1", "stage2", "stage2", "stage3"}
	for n, to := range want {
		under, err := d.Stage(ctx, "R01")
		if err != nil {
			t.Fatal(err)
		}
		rec := trainDay(t, d, w, "R01", n+1, ctx)
		dec := recompute(t, d, under)
		now, err := d.Stage(ctx, "R01")
		if err != nil {
			t.Fatal(err)
		}
		if now.To != to || now.To != dec.To {
			t.Fatalf("day %d (%s): rat at %s, recomputed %s (%s), want %s", n+1, under.To, now.To, dec.To, dec.Reason, to)
		}
		if changed := now.ID != under.ID; changed != (dec.Action != training.Stay) || (changed && (now.Session != rec.ID || now.Action != dec.Action || now.Reason != dec.Reason)) {
			t.Fatalf("day %d: recorded %+v, recomputed %+v", n+1, now, dec)
		}
	}
	// A second session the same day is refused; on purpose it runs.
	if _, err := controller.PlanTraining(ctx, d, "R01", protocols.Lookup, day0.AddDate(0, 0, len(want)), false, 1); !errors.Is(err, controller.ErrTrainedToday) {
		t.Errorf("second session the same day: %v, want ErrTrainedToday", err)
	}
	if _, err := controller.PlanTraining(ctx, d, "R01", protocols.Lookup, day0.AddDate(0, 0, len(want)), true, 1); err != nil {
		t.Errorf("second session on purpose: %v", err)
	}
}

// TestStoppedSessionsDoNotCount: a stopped session is stored under the
// stage but neither counts nor moves the rat.
func TestStoppedSessionsDoNotCount(t *testing.T) {
	d, w := storagetest.Open(t, "R01")
	ctx := context.Background()
	if _, err := controller.Enrol(ctx, d, "R01", "", "magazine", "tech", "", protocols.Lookup, day0); err != nil {
		t.Fatal(err)
	}
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	rec := trainDay(t, d, w, "R01", 1, stopped)
	if rec.Result.EndReason != protocols.EndStopped || rec.Stage != nil {
		t.Fatalf("ended %s with change %v, want stopped and none", rec.Result.EndReason, rec.Stage)
	}
	st, err := controller.StatusOf(ctx, d, "R01")
	if err != nil {
		t.Fatal(err)
	}
	if st.Stage != "magazine" || st.Sessions != 1 || st.Counted != 0 {
		t.Errorf("status %+v: want magazine, 1 session, none counted", st)
	}
	// It did not use up the day: the rat may run again without again.
	if _, err := controller.PlanTraining(ctx, d, "R01", protocols.Lookup, day0.AddDate(0, 0, 1), false, 2); err != nil {
		t.Errorf("a session after a stopped one the same day: %v", err)
	}
}

// TestMoveByHand: moves need who and why and a stage the programme has;
// a move made while a session ran wins over that session's decision.
func TestMoveByHand(t *testing.T) {
	d, w := storagetest.Open(t, "R01")
	ctx := context.Background()
	if _, err := controller.Enrol(ctx, d, "R01", "", "", "tech", "", protocols.Lookup, day0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ stage, by, why, want string }{
		{"stage9", "tech", "typo", "no stage \"stage9\""},
		{"stage5", "", "trained elsewhere", "who and why"},
		{"stage5", "tech", "", "who and why"},
	} {
		if _, err := controller.Move(ctx, d, "R01", c.stage, c.by, c.why, false, day0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("move to %q by %q why %q: %v, want %q", c.stage, c.by, c.why, err, c.want)
		}
	}
	plan, err := controller.PlanTraining(ctx, d, "R01", protocols.Lookup, day0, false, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := controller.Move(ctx, d, "R01", "stage3", "tech", "trained on the old rig", false, day0); err != nil {
		t.Fatal(err)
	}
	ch := sim.NewVirtual(rat.New(rat.Default(), plan.Params.Holes, 3))
	if _, err := controller.RunRecorded(ctx, w, plan, controller.Setup{Chamber: ch, Timeline: ch}); err != nil {
		t.Fatal(err)
	}
	hist, err := d.StageHistory(ctx, "R01")
	if err != nil {
		t.Fatal(err)
	}
	if last := hist[len(hist)-1]; len(hist) != 2 || last.Action != "move" || last.To != "stage3" || last.By != "tech" {
		t.Errorf("history %+v: want enrol then the move by hand, the stale decision dropped", hist)
	}
}

// TestProgrammeChangedUnderRats: a programme saved again is a new
// version; rats on it stay on theirs (status says which) until moved
// onto the latest, and only to a stage the latest has.
func TestProgrammeChangedUnderRats(t *testing.T) {
	d, _ := storagetest.Open(t, "R01")
	ctx := context.Background()
	prog := training.Programme{Name: "lab", Stages: []training.Stage{
		{Name: "easy", Protocol: "stage1", Sessions: 2, Advance: []training.Criterion{{Measure: "correct", Op: ">=", Value: 30}}},
		{Name: "final", Protocol: "baseline", Sessions: 2, Advance: []training.Criterion{{Measure: "accuracy_pct", Op: ">", Value: 80}}},
	}}
	if v, err := controller.SaveProgramme(ctx, d, prog, protocols.Lookup, "ana", day0); err != nil || v != 1 {
		t.Fatalf("save: %d %v", v, err)
	}
	if _, err := controller.Enrol(ctx, d, "R01", "lab", "final", "ana", "", protocols.Lookup, day0); err != nil {
		t.Fatal(err)
	}
	if v, _ := controller.SaveProgramme(ctx, d, prog, protocols.Lookup, "ana", day0); v != 1 {
		t.Errorf("the same programme saved again: version %d, want 1", v)
	}
	prog.Stages[1].Name = "baseline"
	if v, err := controller.SaveProgramme(ctx, d, prog, protocols.Lookup, "ana", day0); err != nil || v != 2 {
		t.Fatalf("changed programme: version %d %v, want 2", v, err)
	}
	if st, err := controller.StatusOf(ctx, d, "R01"); err != nil || st.Version != 1 || st.Stage != "final" {
		t.Errorf("rat after the programme changed: %+v %v, want still version 1 at final", st, err)
	}
	if _, err := controller.Move(ctx, d, "R01", "final", "ana", "onto v2", true, day0); err == nil || !strings.Contains(err.Error(), "baseline") {
		t.Errorf("move onto v2 at a stage v2 lacks: %v", err)
	}
	if c, err := controller.Move(ctx, d, "R01", "baseline", "ana", "onto v2", true, day0); err != nil || c.Version != 2 {
		t.Errorf("move onto v2: %+v %v", c, err)
	}
	bad := prog
	bad.Stages = append([]training.Stage(nil), prog.Stages...)
	bad.Stages[0].Advance = nil
	if _, err := controller.SaveProgramme(ctx, d, bad, protocols.Lookup, "ana", day0); err == nil || !strings.Contains(err.Error(), "no criteria") {
		t.Errorf("a stage with no criteria saved: %v", err)
	}
}
