package report

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// TestLoad reads a study from a real database file: conditions with the
// reference first, then by drug and dose, and every measure of the report
// found among the database's per-session measures (a name the database
// does not know would leave a measure empty).
func TestLoad(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	subjects := []string{"R01", "R02"}
	for _, s := range subjects {
		db.EnsureSubject(ctx, s)
	}
	if err := db.CreateStudy(ctx, storage.Study{Name: "L1", Design: "latin-square", Protocol: "baseline", StartDate: "2026-05-04",
		Conditions: []string{"vehicle", "atx-3.0", "atx-1.0"}, Subjects: subjects}, nil, nil); err != nil {
		t.Fatal(err)
	}
	w, err := db.NewWriter()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	for i, s := range subjects {
		for j, c := range []string{"vehicle", "atx-1.0", "atx-3.0"} {
			storeCorrect(t, w, s, c, start.Add(time.Duration(3*i+j)*time.Hour), time.Duration(300+100*i+10*j)*time.Millisecond)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Load(ctx, db, "L1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Conditions) != 3 || r.Conditions[0].ID != "vehicle" || r.Conditions[1].ID != "atx-1.0" || r.Conditions[2].ID != "atx-3.0" {
		t.Errorf("conditions %+v, want vehicle, atx-1.0, atx-3.0", r.Conditions)
	}
	if len(r.Progress.Pending) != 0 || r.Blinded {
		t.Errorf("missing %v, blinded %v", r.Progress.Pending, r.Blinded)
	}
	for _, m := range r.Measures {
		for _, c := range m.All {
			if c.N != 2 || math.IsNaN(c.Mean) {
				t.Errorf("%s under %s: n %d, mean %v; want 2 sessions and a mean", m.Key, c.Condition, c.N, c.Mean)
			}
		}
	}
}

// storeCorrect stores a completed session of study L1 with one correct
// attempt, its reward collected a second after the response.
func storeCorrect(t *testing.T, w *storage.Writer, subject, condition string, start time.Time, latency time.Duration) {
	t.Helper()
	log, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{Subject: subject, Condition: condition, Params: protocols.Default(), StartedAt: start, Study: "L1", StudyDay: 1}})
	if err != nil {
		t.Fatal(err)
	}
	onset := 5 * time.Second
	log.Attempt(protocols.Attempt{N: 1, Outcome: protocols.Correct, Target: 1, ITI: 5 * time.Second, SD: time.Second, ITIStart: 0,
		Onset: onset, ResponseHole: 1, Response: onset + latency, Collection: onset + latency + time.Second, FirstPremature: protocols.None})
	if err := log.EndQueued(10*time.Second, protocols.EndMaxTrials, start.Add(10*time.Second), nil); err != nil {
		t.Fatal(err)
	}
}
