package storage_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// TestAuditIsAppendOnly: no statement can change or remove a line of the
// audit trail, not even one typed into an sqlite3 shell.
func TestAuditIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	d, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO audit (at, by, action, target, why) VALUES (?, 'amy', 'exclude', 'session x', 'jam')`, time.Now().UTC().Format(time.RFC3339)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit SET by = 'bob'`, `DELETE FROM audit`} {
		if _, err := raw.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := raw.Exec(`INSERT INTO audit (at, by, action, target, why) VALUES ('t', '', 'x', 'y', 'z')`); err == nil {
		t.Error("an audit line without who accepted")
	}
	a, err := d.Audit(ctx)
	if err != nil || len(a) != 1 || a[0].By != "amy" {
		t.Errorf("audit %+v %v", a, err)
	}
}
