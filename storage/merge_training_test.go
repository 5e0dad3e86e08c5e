package storage_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// enrolled stores a programme and enrols subject in it, returning the
// enrolment's id.
func enrolled(t *testing.T, db *storage.DB, subject string) int64 {
	t.Helper()
	ctx := context.Background()
	must(t, db.EnsureSubject(ctx, subject))
	v, err := db.SaveProgramme(ctx, "standard", []byte(`{"stages": ["s1", "s2"]}`), "ana", time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	must(t, err)
	c, err := db.ChangeStage(ctx, storage.StageChange{Subject: subject, Programme: "standard", Version: v, To: "s1", Action: "enrol",
		Reason: "new cohort", By: "ana", At: time.Date(2026, 1, 6, 9, 0, 0, 0, time.UTC)})
	must(t, err)
	return c.ID
}

// TestMergeTraining: a host's programme, stage changes and the session run
// under a change are merged into a lab file whose own changes have other
// ids; the session is linked to its own rat's change there, and merging
// again adds nothing.
func TestMergeTraining(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	host := open(t, filepath.Join(dir, "host.db"))
	change := enrolled(t, host, "R01")
	w, err := host.NewWriter()
	must(t, err)
	p := protocols.Default()
	p.MaxTrials = 3
	ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, 1))
	rec, err := controller.RunRecorded(ctx, w, controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "baseline", Chamber: "box1",
		Backend: "sim", Protocol: "test", Params: p, TrainingChange: change}}, controller.Setup{Chamber: ch, Timeline: ch})
	must(t, err)
	must(t, w.Close())
	lab := open(t, filepath.Join(dir, "lab.db"))
	enrolled(t, lab, "R02") // the lab's change 1 is R02's
	for round := 0; round < 2; round++ {
		res, err := lab.Merge(ctx, host.Path())
		must(t, err)
		if round == 1 && res.TrainingChanges+res.Sessions != 0 {
			t.Errorf("merging again: %+v", res)
		}
	}
	st, err := lab.Stage(ctx, "R01")
	must(t, err)
	under, err := lab.SessionsUnder(ctx, st.ID)
	must(t, err)
	if st.To != "s1" || len(under) != 1 || under[0].ID != rec.ID {
		t.Errorf("R01 in the lab: stage %+v, sessions under it %+v", st, under)
	}
	if st2, _ := lab.Stage(ctx, "R02"); st2.ID == st.ID {
		t.Errorf("R01's and R02's changes are one: %+v", st2)
	}
	if under, _ := lab.SessionsUnder(ctx, 1); len(under) != 0 && under[0].Subject != "R02" {
		t.Errorf("R02's change has R01's session: %+v", under)
	}
}

// TestMergeConditionRanUnder: a condition's dose corrected on one host
// (before it was used there) is not carried over the sessions another
// host ran under the old dose, whether by the correction or by --prefer.
func TestMergeConditionRanUnder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := open(t, filepath.Join(dir, "a.db")), open(t, filepath.Join(dir, "b.db"))
	for _, d := range []*storage.DB{a, b} {
		must(t, d.EnsureSubject(ctx, "R01"))
		must(t, d.AddCondition(ctx, storage.Condition{ID: "atx-y", Drug: "atomoxetine", Route: "i.p."}))
	}
	wa, err := a.NewWriter()
	must(t, err)
	_, err = wa.EditCondition(ctx, a, storage.Edit{ID: "atx-y", Set: map[string]string{"dose_mg_per_kg": "0.3"}, By: "ana", Why: "left out"})
	must(t, err)
	must(t, wa.Close())
	wb, err := b.NewWriter()
	must(t, err)
	p := protocols.Default()
	p.MaxTrials = 3
	ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, 1))
	_, err = controller.RunRecorded(ctx, wb, controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "atx-y", Chamber: "box1",
		Backend: "sim", Protocol: "test", Params: p}}, controller.Setup{Chamber: ch, Timeline: ch})
	must(t, err)
	must(t, wb.Close())
	for _, o := range []storage.MergeOptions{{}, {Prefer: "this", By: "ana"}} {
		_, err := a.MergeWith(ctx, b.Path(), o)
		if err == nil || !strings.Contains(err.Error(), `dose_mg_per_kg is "0.3" here and "0.0" in`) || !strings.Contains(err.Error(), "1 sessions in") {
			t.Errorf("prefer %q: %v", o.Prefer, err)
		}
	}
	if c, _ := a.Condition(ctx, "atx-y"); c.DoseMgPerKg != 0.3 {
		t.Errorf("after the refusals: %+v", c)
	}
}
