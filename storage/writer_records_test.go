package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

// TestWriterRecords: exclusions, notes and weights made through the
// writer read back as the DB's own do, audit included, and refuse alike.
func TestWriterRecords(t *testing.T) {
	ctx := context.Background()
	db, w := storagetest.Open(t, "R01")
	p := protocols.Default()
	p.MaxTrials = 3
	id := runStoredAs(t, w, "R01", p).ID
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	must(t, w.Exclude(ctx, db, id, "ana", "dispenser jammed", at))
	if err := w.Exclude(ctx, db, id, "ana", "again", at); !errors.Is(err, storage.ErrExcluded) {
		t.Errorf("excluded twice: %v", err)
	}
	if ex, _ := db.Exclusions(ctx, ""); len(ex) != 1 || ex[0].Why != "dispenser jammed" {
		t.Errorf("exclusions: %+v", ex)
	}
	must(t, w.Reinstate(ctx, db, id, "ana", "other box", at))
	if err := w.Reinstate(ctx, db, id, "ana", "again", at); !errors.Is(err, storage.ErrExcluded) {
		t.Errorf("reinstated twice: %v", err)
	}
	if err := w.Exclude(ctx, db, "nope", "ana", "x", at); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
	if a, _ := db.Audit(ctx); len(a) != 2 || a[0].Action != "exclude" || a[1].Action != "reinstate" {
		t.Errorf("audit: %+v", a)
	}
	must(t, w.AddNote(ctx, db, "session", id, "ana", "rat sneezing", at))
	if err := w.AddNote(ctx, db, "subject", "R01", "", "x", at); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("note without author: %v", err)
	}
	if n, _ := db.Notes(ctx, "session "+id); len(n) != 1 || n[0].Text != "rat sneezing" {
		t.Errorf("notes: %+v", n)
	}
	wt, err := w.AddWeight(ctx, db, "R01", "2026-03-02", 300, 350, "ana", at)
	if err != nil || wt.Pct < 85.7 || wt.Pct > 85.8 {
		t.Errorf("weight: %+v, %v", wt, err)
	}
	if _, err := w.AddWeight(ctx, db, "R01", "2026-03-02", 301, 0, "ana", at); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("second weight of a day: %v", err)
	}
}
