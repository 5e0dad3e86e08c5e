package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

// TestBornNotInTheFuture: a birth date in the future is a typo, refused
// when a subject is added and when it is corrected.
func TestBornNotInTheFuture(t *testing.T) {
	db, w := storagetest.Open(t, "R01")
	ctx := context.Background()
	future := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	if err := db.AddSubject(ctx, storage.Subject{ID: "R02", Born: future}); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("add with born %s: %v", future, err)
	}
	if err := w.AddSubject(storage.Subject{ID: "R03", Born: future}); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("add through the writer with born %s: %v", future, err)
	}
	if err := db.AddSubject(ctx, storage.Subject{ID: "R04", Born: "2025-10-01"}); err != nil {
		t.Errorf("add with a past birth date: %v", err)
	}
}
