package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

// TestEditSubjectKeepsHistory: a correction changes the field and leaves
// a row with the old and new values, who, when and why; the trail refuses
// UPDATE and DELETE.
func TestEditSubjectKeepsHistory(t *testing.T) {
	ctx := context.Background()
	db, w := storagetest.Open(t)
	if err := db.AddSubject(ctx, storage.Subject{ID: "R01", Sex: "male", Strain: "LH"}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	got, err := w.EditSubject(ctx, db, storage.Edit{ID: "R01", Set: map[string]string{"sex": "F", "strain": "LH", "born": "2025-11-30"},
		By: "ana", Why: "sexed wrong at arrival", At: at})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 { // strain did not change: no correction
		t.Fatalf("corrections %+v, want sex and born", got)
	}
	s, _ := db.Subject(ctx, "R01")
	if s.Sex != "female" || s.Born != "2025-11-30" {
		t.Errorf("subject after the edit: %+v", s)
	}
	trail, err := db.Corrections(ctx, "subjects", "R01")
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.Correction{
		{Table: "subjects", Record: "R01", Field: "born", Old: "", New: "2025-11-30", By: "ana", At: at, Why: "sexed wrong at arrival"},
		{Table: "subjects", Record: "R01", Field: "sex", Old: "male", New: "female", By: "ana", At: at, Why: "sexed wrong at arrival"},
	}
	if len(trail) != len(want) {
		t.Fatalf("trail %+v", trail)
	}
	for i := range want {
		if trail[i].UID == "" || !trail[i].At.Equal(want[i].At) {
			t.Errorf("row %d: uid %q at %v", i, trail[i].UID, trail[i].At)
		}
		want[i].UID, trail[i].At = trail[i].UID, want[i].At
		if trail[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, trail[i], want[i])
		}
	}
	for _, q := range []string{`UPDATE corrections SET new = 'male'`, `DELETE FROM corrections`} {
		if _, err := storage.SQLOf(db).Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", q, err)
		}
	}
}

// TestEditRefusals: what an edit refuses, and that a refused edit changes
// nothing, not even the fields of it that were fine.
func TestEditRefusals(t *testing.T) {
	ctx := context.Background()
	db, w := storagetest.Open(t, "R01", "R10")
	p := protocols.Default()
	p.MaxTrials = 3
	runStoredAs(t, w, "R01", p) // under "vehicle"
	if err := db.AddCondition(ctx, storage.Condition{ID: "atx-y", Drug: "atomoxetine", Route: "i.p."}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddCondition(ctx, storage.Condition{ID: "S/A", Drug: "blinded"}); err != nil {
		t.Fatal(err)
	}
	by, why := "ana", "typo"
	for _, c := range []struct {
		name    string
		subject bool
		e       storage.Edit
		is      error
		says    string
	}{
		{"no by", true, storage.Edit{ID: "R01", Set: map[string]string{"sex": "F"}, Why: why}, storage.ErrInvalid, "who (--by) and why (--why)"},
		{"no why", true, storage.Edit{ID: "R01", Set: map[string]string{"sex": "F"}, By: by}, storage.ErrInvalid, "both required"},
		{"nothing", true, storage.Edit{ID: "R01", By: by, Why: why}, storage.ErrInvalid, "nothing to change"},
		{"unknown field", true, storage.Edit{ID: "R01", Set: map[string]string{"colour": "white"}, By: by, Why: why}, storage.ErrInvalid, `no field "colour"`},
		{"bad sex", true, storage.Edit{ID: "R01", Set: map[string]string{"sex": "x"}, By: by, Why: why}, storage.ErrInvalid, "want female (F)"},
		{"unknown subject", true, storage.Edit{ID: "R1O", Set: map[string]string{"sex": "F"}, By: by, Why: why}, storage.ErrNotFound, "did you mean R10"},
		{"used dose", false, storage.Edit{ID: "vehicle", Set: map[string]string{"dose_mg_per_kg": "1", "notes": "x"}, By: by, Why: why}, storage.ErrInUse, "make a new condition"},
		{"used route", false, storage.Edit{ID: "vehicle", Set: map[string]string{"route": "s.c."}, By: by, Why: why}, storage.ErrInUse, "used by 1 sessions"},
		{"blind code", false, storage.Edit{ID: "S/A", Set: map[string]string{"notes": "x"}, By: by, Why: why}, storage.ErrInUse, "blind study's code"},
		{"vehicle with dose", false, storage.Edit{ID: "atx-y", Set: map[string]string{"drug": "vehicle", "notes": "n"}, By: by, Why: why}, storage.ErrInvalid, "takes no dose"},
		{"negative dose", false, storage.Edit{ID: "atx-y", Set: map[string]string{"dose_mg_per_kg": "-1"}, By: by, Why: why}, storage.ErrInvalid, "0 or more"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "vehicle with dose" { // a dose first, so that vehicle contradicts it
				if _, err := w.EditCondition(ctx, db, storage.Edit{ID: "atx-y", Set: map[string]string{"dose_mg_per_kg": "0.3"}, By: by, Why: why}); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := db.Corrections(ctx, map[bool]string{true: "subjects", false: "conditions"}[c.subject], "")
			edit := w.EditCondition
			if c.subject {
				edit = w.EditSubject
			}
			_, err := edit(ctx, db, c.e)
			if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("%v, want %v saying %q", err, c.is, c.says)
			}
			after, _ := db.Corrections(ctx, map[bool]string{true: "subjects", false: "conditions"}[c.subject], "")
			if len(after) != len(before) {
				t.Errorf("a refused edit left corrections: %+v", after[len(before):])
			}
		})
	}
	// The refused edits changed nothing; a used condition's notes may change.
	if c, _ := db.Condition(ctx, "atx-y"); c.Drug != "atomoxetine" || c.Notes != "" {
		t.Errorf("after refused edits: %+v", c)
	}
	if _, err := w.EditCondition(ctx, db, storage.Edit{ID: "vehicle", Set: map[string]string{"notes": "0.9% saline"}, By: by, Why: why}); err != nil {
		t.Errorf("notes of a used condition: %v", err)
	}
}
