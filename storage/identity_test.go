package storage_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/internal/testenv"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// TestForeignDatabaseRefused: a file that is not a fivechoice database, or
// one a newer fivechoice wrote, is refused with a clear error before
// anything is written to it; a new one is stamped as fivechoice's.
func TestForeignDatabaseRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup string // SQL run on the file first; "" for a text file
		want  string
	}{
		{"another program's database", "CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)", "not a fivechoice database: it has 1 tables of another program"},
		{"another application_id", "PRAGMA application_id = 1234", "its application_id is 0x4d2, fivechoice's is 0x35435254"},
		{"a newer fivechoice", fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = 99", storage.ApplicationID), "written by a newer fivechoice: schema version 99"},
		{"not SQLite at all", "", "not a SQLite database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "other.db")
			if tc.setup == "" {
				if err := os.WriteFile(path, []byte(strings.Repeat("lab notes, not a database\n", 100)), 0o600); err != nil {
					t.Fatal(err)
				}
			} else {
				o, err := sql.Open("sqlite3", "file:"+path)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := o.Exec(tc.setup); err != nil {
					t.Fatal(err)
				}
				o.Close()
			}
			before, _ := os.ReadFile(path)
			db, err := storage.Open(context.Background(), path)
			if err == nil {
				db.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file and say %q", err, tc.want)
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Error("the refused file was changed")
			}
		})
	}
	path := filepath.Join(t.TempDir(), "new.db")
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	o, _ := sql.Open("sqlite3", "file:"+path)
	defer o.Close()
	var app, version int64
	o.QueryRow("PRAGMA application_id").Scan(&app)
	o.QueryRow("PRAGMA user_version").Scan(&version)
	if app != storage.ApplicationID || version < 4 {
		t.Errorf("a new database is stamped application_id %#x, user_version %d", app, version)
	}
}

// TestReadOnlyDatabaseRefused: a database file the daemon cannot write is
// refused when the writer starts, naming the file, instead of starting
// healthy and failing every write later.
func TestReadOnlyDatabaseRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ro.db")
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if os.Geteuid() == 0 {
		// Root writes files whatever their mode: make the file immutable.
		chattr := testenv.Command(t, "chattr", "e2fsprogs")
		if out, err := exec.Command(chattr, "+i", path).CombinedOutput(); err != nil {
			testenv.Missing(t, "a file system with immutable files (chattr +i)", err)
			_ = out
		}
		t.Cleanup(func() { exec.Command(chattr, "-i", path).Run() })
	} else if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	w, err := db.NewWriter()
	if err == nil {
		w.Close()
		t.Fatal("a writer started on a read-only database")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "cannot be written") {
		t.Errorf("error %q does not name the file and say it cannot be written", err)
	}
}

// TestCommitLagWarning: while another process holds the lock past the
// warning bound, the writer reports itself degraded (sessions go on; the
// daemon's /healthz says "degraded"), how far it lags and how much waits;
// once the lock is gone it catches up and says so no more.
func TestCommitLagWarning(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lag.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.EnsureSubject(ctx, "R01")
	w, err := db.NewWriter(storage.WithLagWarning(150*time.Millisecond), storage.WithCommitInterval(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	l, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: protocols.Default(), StartedAt: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Degraded(); err != nil {
		t.Errorf("degraded before any lag: %v", err)
	}
	other := holdLock(t, path)
	other.take()
	l.Event(storage.Event{Seq: 1, Output: 1, On: true})
	for w.Degraded() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	s := w.Status()
	if !s.Lagging || s.Lag <= 150*time.Millisecond || s.Waiting < 1 || l.Committed().EventSeq != 0 || l.QueuedEvent() != 1 {
		t.Errorf("while locked: %+v, committed %+v, queued %d", s, l.Committed(), l.QueuedEvent())
	}
	other.release()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Degraded(); err != nil {
		t.Errorf("still degraded after catching up: %v", err)
	}
	if c := l.Committed(); c.EventSeq != 1 || c.At.IsZero() {
		t.Errorf("committed after the lock: %+v", c)
	}
}
