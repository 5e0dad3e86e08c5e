package storage_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// TestRescore: a stored session rescores to no difference; each way its
// stored rows can stop matching its events is named (R24-R26 recomputed
// from the raw log).
func TestRescore(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	db.EnsureSubject(ctx, "R01")
	w := mustWriter(t, db)
	sqlDB := storage.SQLOf(db)
	tests := []struct {
		name   string
		tamper string // SQL run on the session's rows (?1 is its key)
		want   string // in the difference; empty: none
	}{
		{"untouched", "", ""},
		{"an outcome changed", `UPDATE attempts SET outcome = 'correct' WHERE session = ?1 AND n = (SELECT MIN(n) FROM attempts WHERE session = ?1 AND outcome = 'omission')`, "attempt "},
		{"an attempt lost", `DELETE FROM attempts WHERE session = ?1 AND n = (SELECT MAX(n) FROM attempts WHERE session = ?1)`, " attempts stored, "},
		{"a latency changed", `UPDATE attempts SET response_ns = response_ns + 1 WHERE session = ?1 AND n = (SELECT MIN(n) FROM attempts WHERE session = ?1 AND outcome = 'correct')`, "attempt "},
		{"an event lost", `DELETE FROM events WHERE session = ?1 AND seq = (SELECT MIN(seq) FROM events WHERE session = ?1 AND class = 'correct')`, " from the events"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := protocols.Default()
			p.MaxTrials, p.Seed = 30, uint64(i+1)
			id := runStoredAs(t, w, "R01", p).ID
			if tt.tamper != "" {
				res, err := sqlDB.Exec(tt.tamper, sessionKey(t, db, id))
				if n, _ := res.RowsAffected(); err != nil || n != 1 {
					t.Fatalf("tamper: %d rows, %v", n, err)
				}
			}
			got, err := db.Rescore(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("Rescore = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := db.Rescore(ctx, "no-such-session"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Rescore(unknown) = %v, want ErrNotFound", err)
	}
}

func sessionKey(t *testing.T, db *storage.DB, id string) int64 {
	t.Helper()
	var key int64
	if err := storage.SQLOf(db).QueryRow(`SELECT key FROM sessions WHERE id = ?`, id).Scan(&key); err != nil {
		t.Fatal(err)
	}
	return key
}

// storeStudySession stores a hand-made session of study S1: correct
// attempts with the given response latencies, then one omission.
func storeStudySession(t *testing.T, w *storage.Writer, subject, condition, end string, start time.Time, latencies ...time.Duration) string {
	t.Helper()
	log, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{Subject: subject, Condition: condition, Params: protocols.Default(), StartedAt: start, Study: "S1", StudyDay: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var at time.Duration
	for i, l := range latencies {
		onset := at + 5*time.Second
		log.Attempt(protocols.Attempt{N: i + 1, Outcome: protocols.Correct, Target: 1, ITI: 5 * time.Second, SD: time.Second, ITIStart: at,
			Onset: onset, ResponseHole: 1, Response: onset + l, Collection: onset + l + time.Second, FirstPremature: protocols.None})
		at = onset + l + 2*time.Second
	}
	log.Attempt(protocols.Attempt{N: len(latencies) + 1, Outcome: protocols.Omission, Target: 2, ITI: 5 * time.Second, SD: time.Second, ITIStart: at,
		Onset: at + 5*time.Second, Response: protocols.None, Collection: protocols.None, FirstPremature: protocols.None})
	if err := log.End(at+11*time.Second, end, start.Add(time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	return log.ID()
}

// TestStudyMeasures: every session of a study, oldest first, with its state
// and every measure of the view by name, NaN where one is undefined; a
// session stopped early is there but not completed (R21-R23).
func TestStudyMeasures(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	for _, s := range []string{"R01", "R02"} {
		db.EnsureSubject(ctx, s)
	}
	if err := db.CreateStudy(ctx, storage.Study{Name: "S1", Design: "latin-square", Protocol: "baseline", StartDate: "2026-05-04",
		Conditions: []string{"vehicle", "atx-1.0"}, Subjects: []string{"R01", "R02"}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	w := mustWriter(t, db)
	day := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	second := storeStudySession(t, w, "R02", "atx-1.0", protocols.EndTimeLimit, day.Add(time.Hour), 300*time.Millisecond, 500*time.Millisecond)
	first := storeStudySession(t, w, "R01", "vehicle", protocols.EndMaxTrials, day)
	stopped := storeStudySession(t, w, "R01", "atx-1.0", protocols.EndStopped, day.Add(2*time.Hour), time.Second)
	got, err := db.StudyMeasures(ctx, "S1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Session != first || got[1].Session != second || got[2].Session != stopped {
		t.Fatalf("StudyMeasures = %+v, want %s, %s then %s", got, first, second, stopped)
	}
	if !got[0].Completed() || !got[1].Completed() || got[2].Completed() || got[2].EndReason != protocols.EndStopped || got[2].StudyDay != 1 {
		t.Errorf("states: %+v", got)
	}
	if got[1].Subject != "R02" || got[1].Condition != "atx-1.0" {
		t.Errorf("second session: %+v", got[1])
	}
	for _, tt := range []struct {
		row  int
		key  string
		want float64 // NaN: undefined
	}{
		{0, "correct", 0}, {0, "omissions", 1}, {0, "accuracy_pct", math.NaN()}, {0, "correct_latency_mean_ms", math.NaN()},
		{1, "correct", 2}, {1, "omissions_pct", 100.0 / 3}, {1, "accuracy_pct", 100}, {1, "correct_latency_mean_ms", 400},
		{1, "trials_scored", 3}, {1, "reward_latency_median_ms", 1000}, {1, "premature", 0},
	} {
		v, ok := got[tt.row].Values[tt.key]
		if !ok || !(v == tt.want || math.IsNaN(v) && math.IsNaN(tt.want)) {
			t.Errorf("session %d %s = %v (present %v), want %v", tt.row+1, tt.key, v, ok, tt.want)
		}
	}
	if len(got[0].Values) != 21 {
		t.Errorf("%d measures, want the view's 21", len(got[0].Values))
	}
}

// TestExportCSVRefuses: an unknown table or study is refused before
// anything is written.
func TestExportCSVRefuses(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	var out bytes.Buffer
	if err := db.ExportCSV(ctx, &out, "subjects", ""); err == nil || !strings.Contains(err.Error(), "sessions, trials, events") {
		t.Errorf("ExportCSV(subjects) = %v", err)
	}
	if err := db.ExportCSV(ctx, &out, "trials", "S9"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("ExportCSV(unknown study) = %v, want ErrNotFound", err)
	}
	if out.Len() != 0 {
		t.Errorf("wrote %q", out.String())
	}
	if err := db.ExportCSV(ctx, &out, "events", ""); err != nil || !strings.HasPrefix(out.String(), "session_id,subject,condition,condition_order,study,study_day,excluded,seq,") {
		t.Errorf("ExportCSV(events) of an empty database: %q, %v", out.String(), err)
	}
}

// TestEventCountsAndGaps: every stored event is counted, and a session
// that lost one in the middle shows as a gap.
func TestEventCountsAndGaps(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	db.EnsureSubject(ctx, "R01")
	w := mustWriter(t, db)
	p := protocols.Default()
	p.MaxTrials = 10
	var want int64
	var ids []string
	for seed := range uint64(2) {
		p.Seed = seed
		id := runStoredAs(t, w, "R01", p).ID
		evs, err := db.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want += int64(len(evs))
		ids = append(ids, id)
	}
	if n, err := db.CountEvents(ctx); err != nil || n != want {
		t.Errorf("CountEvents = %d, %v; want %d", n, err, want)
	}
	if gaps, err := db.EventGaps(ctx); err != nil || len(gaps) != 0 {
		t.Errorf("EventGaps before = %v, %v", gaps, err)
	}
	if _, err := storage.SQLOf(db).Exec(`DELETE FROM events WHERE session = ? AND seq = 3`, sessionKey(t, db, ids[1])); err != nil {
		t.Fatal(err)
	}
	if gaps, err := db.EventGaps(ctx); err != nil || len(gaps) != 1 || gaps[0] != ids[1] {
		t.Errorf("EventGaps after losing an event of %s = %v, %v", ids[1], gaps, err)
	}
}
