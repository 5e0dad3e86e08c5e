// Package storagetest sets up the real database tests record into: an
// SQLite file in the test's temporary directory, as the daemon uses.
package storagetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fivechoice/fivechoice/storage"
)

// Open opens a new database file in tb.TempDir() with subjects recorded,
// and a writer on it; both are closed when the test ends (the writer first,
// so that everything queued is committed).
func Open(tb testing.TB, subjects ...string) (*storage.DB, *storage.Writer) {
	tb.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	for _, s := range subjects {
		if err := db.EnsureSubject(ctx, s); err != nil {
			tb.Fatal(err)
		}
	}
	w, err := db.NewWriter()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	return db, w
}
