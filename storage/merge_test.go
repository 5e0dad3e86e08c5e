package storage_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// hostDB makes a chamber PC's database with n sessions of subject.
func hostDB(t *testing.T, path, subject string, n int, seed uint64) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.AddSubject(ctx, storage.Subject{ID: subject, Sex: "male"})
	w, _ := db.NewWriter()
	for i := 0; i < n; i++ {
		p := protocols.Default()
		p.MaxTrials = 10
		p.Seed = seed + uint64(i)
		runStoredAs(t, w, subject, p)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMergeIsIdempotentAndRefusesConflicts(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	h1, h2 := filepath.Join(dir, "host1.db"), filepath.Join(dir, "host2.db")
	hostDB(t, h1, "R01", 3, 100)
	hostDB(t, h2, "R02", 2, 200)
	lab, err := storage.Open(ctx, filepath.Join(dir, "lab.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	for round := 0; round < 2; round++ {
		for _, h := range []string{h1, h2} {
			res, err := lab.Merge(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			if round == 1 && (res.Sessions != 0 || res.Events != 0 || res.Attempts != 0 || res.Subjects != 0) {
				t.Errorf("merging %s again added %+v", h, res)
			}
		}
	}
	ss, _ := lab.Sessions(ctx, storage.Filter{})
	if len(ss) != 5 {
		t.Fatalf("%d sessions after merging, want 5", len(ss))
	}
	// Every merged session is whole: its attempts, events and measures are
	// those of the host's copy.
	src, _ := storage.Open(ctx, h1)
	defer src.Close()
	for _, s := range ss {
		if s.Subject != "R01" {
			continue
		}
		a, _ := lab.Summary(ctx, s.ID)
		b, _ := src.Summary(ctx, s.ID)
		if a.Counters != b.Counters {
			t.Errorf("session %s: %+v in the lab, %+v on the host", s.ID, a.Counters, b.Counters)
		}
		ea, _ := lab.Events(ctx, s.ID)
		eb, _ := src.Events(ctx, s.ID)
		if len(ea) != len(eb) || len(ea) == 0 {
			t.Errorf("session %s: %d events merged of %d", s.ID, len(ea), len(eb))
		}
	}
	// A host whose copy of a session differs is refused, and nothing of it
	// is merged.
	// (The database refuses to change a session's seed, migration 0011;
	// a copy differs by other means, such as a hand-edited file.)
	if _, err := storage.SQLOf(src).Exec(`DROP TRIGGER session_params_fixed; UPDATE sessions SET seed = seed + 1 WHERE rowid = 1`); err != nil {
		t.Fatal(err)
	}
	hostDB(t, h1, "R03", 1, 300) // something new in the same file
	_, err = lab.Merge(ctx, h1)
	if err == nil || !strings.Contains(err.Error(), "column seed") || !strings.Contains(err.Error(), "nothing was merged") {
		t.Errorf("conflicting merge: %v", err)
	}
	if _, err := lab.Subject(ctx, "R03"); err == nil {
		t.Error("a refused merge added a subject")
	}
	// A subject recorded differently on two hosts is a conflict too.
	h3 := filepath.Join(dir, "host3.db")
	db3, _ := storage.Open(ctx, h3)
	db3.AddSubject(ctx, storage.Subject{ID: "R02", Sex: "female"})
	db3.Close()
	if _, err := lab.Merge(ctx, h3); err == nil || !strings.Contains(err.Error(), `subject R02: sex is "male" here and "female" in`) {
		t.Errorf("conflicting subject: %v", err)
	}
}
