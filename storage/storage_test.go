package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// mustOpen opens a fresh database file in a temporary folder.
func mustOpen(tb testing.TB) *storage.DB {
	tb.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustWriter(tb testing.TB, db *storage.DB, opts ...storage.WriterOption) *storage.Writer {
	tb.Helper()
	w, err := db.NewWriter(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	return w
}

func TestMigrationsAreIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	for i := 0; i < 2; i++ {
		db, err := storage.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.SchemaVersion(context.Background())
		if err != nil || v < 1 {
			t.Fatalf("schema version %d, %v", v, err)
		}
		if err := db.IntegrityCheck(context.Background()); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
}

func TestReadyMadeConditions(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	for _, id := range []string{"vehicle", "atx-0.1", "atx-0.3", "atx-1.0", "atx-3.0", "baseline"} {
		if _, err := db.Condition(ctx, id); err != nil {
			t.Errorf("condition %s: %v", id, err)
		}
	}
	c, _ := db.Condition(ctx, "atx-1.0")
	if c.Drug != "atomoxetine" || c.DoseMgPerKg != 1.0 || c.Route != "i.p." || c.PretreatmentMin != 30 || c.Vehicle != "saline" {
		t.Errorf("atx-1.0 = %+v", c)
	}
}

func TestSubjectsAndConditions(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	if err := db.AddSubject(ctx, storage.Subject{ID: "R01", Sex: "male", Strain: "Lister Hooded", Born: "2026-05-01"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddSubject(ctx, storage.Subject{ID: "R01"}); !errors.Is(err, storage.ErrExists) {
		t.Errorf("duplicate subject: %v", err)
	}
	if err := db.AddSubject(ctx, storage.Subject{ID: "R02", Sex: "m"}); err == nil {
		t.Error("accepted sex m")
	}
	if err := db.AddSubject(ctx, storage.Subject{ID: "R03", Born: "01/05/2026"}); err == nil {
		t.Error("accepted a date that is not YYYY-MM-DD")
	}
	if _, err := db.Subject(ctx, "R99"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown subject: %v", err)
	}
	s, err := db.Subject(ctx, "R01")
	if err != nil || s.Strain != "Lister Hooded" || s.Born != "2026-05-01" {
		t.Errorf("Subject = %+v, %v", s, err)
	}
	if err := db.AddCondition(ctx, storage.Condition{ID: "mph-1", Drug: "methylphenidate", DoseMgPerKg: 1, Vehicle: "saline", Route: "i.p.", PretreatmentMin: 20}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddCondition(ctx, storage.Condition{ID: "bad", Drug: "x", DoseMgPerKg: -1}); err == nil {
		t.Error("accepted a negative dose")
	}
}

// runStored runs one session of R01 with a virtual rat into w.
func runStored(t *testing.T, w *storage.Writer, p protocols.Params, rp rat.Traits) controller.Recorded {
	t.Helper()
	return runStoredRat(t, w, "R01", p, rp)
}

func runStoredAs(t *testing.T, w *storage.Writer, subject string, p protocols.Params) controller.Recorded {
	t.Helper()
	return runStoredRat(t, w, subject, p, rat.Default())
}

func runStoredRat(t *testing.T, w *storage.Writer, subject string, p protocols.Params, rp rat.Traits) controller.Recorded {
	t.Helper()
	ch := sim.NewVirtual(rat.New(rp, p.Holes, p.Seed))
	rec, err := controller.RunRecorded(context.Background(), w, controller.Plan{Provenance: storage.Provenance{Subject: subject, Condition: "vehicle", Chamber: "box1", Backend: "sim", Protocol: "test", Params: p}}, controller.Setup{Chamber: ch, Timeline: ch})
	if err != nil || rec.Result.Err != nil {
		t.Fatal(err, rec.Result.Err)
	}
	return rec
}

func equalOpt(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Float64bits(*a) == math.Float64bits(*b)
}

// TestViewAgreesWithScore: the SQL view's measures are exactly, to the
// bit, what protocols.Score computes live, across random sessions.
func TestViewAgreesWithScore(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	db.EnsureSubject(ctx, "R01")
	w := mustWriter(t, db)
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 40; i++ {
		p := protocols.Default()
		p.Seed = uint64(i)
		p.MaxTrials = 1 + rng.IntN(60)
		p.PrematurePunished = i%3 != 0
		p.Initiation = []string{"auto", "magazine"}[i%2]
		rp := rat.Default()
		rp.Impulsivity = rng.Float64() * 0.5
		rp.Motivation = 0.5 + rng.Float64()/2
		rp.Perseveration = rng.Float64() * 0.5
		rec := runStored(t, w, p, rp)
		got, err := db.Summary(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := rec.Result.Summary
		if got.Counters != want.Counters {
			t.Errorf("session %d counters: view %+v, live %+v", i, got.Counters, want.Counters)
		}
		gm, wm := reflect.ValueOf(got.Measures), reflect.ValueOf(want.Measures)
		for f := 0; f < gm.NumField(); f++ {
			g, w := gm.Field(f).Interface().(*float64), wm.Field(f).Interface().(*float64)
			if !equalOpt(g, w) {
				t.Errorf("session %d %s: view %v, live %v", i, gm.Type().Field(f).Name, deref(g), deref(w))
			}
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestStoredSessionIsComplete: everything a session did is in the file:
// the session row, every attempt, every event in order without gaps, and
// replaying the stored inputs rescors the session identically.
func TestStoredSessionIsComplete(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	db.EnsureSubject(ctx, "R01")
	w := mustWriter(t, db)
	p, _ := protocols.Lookup("baseline")
	p.Seed = 12345
	rec := runStored(t, w, p, rat.Default())
	s, err := db.Session(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != storage.StatusEnded || s.EndReason != protocols.EndMaxTrials || s.Seed != 12345 || s.Subject != "R01" ||
		s.Condition != "vehicle" || s.Backend != "sim" || s.Ended != rec.Result.At || s.Host == "" {
		t.Errorf("session row %+v", s)
	}
	if string(s.Params.JSON()) != string(p.JSON()) {
		t.Errorf("stored parameters differ:\n%s\n%s", s.Params.JSON(), p.JSON())
	}
	attempts, err := db.Attempts(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != rec.Result.Summary.Counters.Attempts {
		t.Fatalf("%d attempts stored, %d run", len(attempts), rec.Result.Summary.Counters.Attempts)
	}
	events, err := db.Events(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	var log []protocols.LogEntry
	for i, e := range events {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: a gap", i, e.Seq)
		}
		log = append(log, storage.LogEntry(e))
	}
	again, err := protocols.Replay(s.Params, log, s.Ended, s.EndReason)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Attempts(), attempts) {
		t.Error("replaying the stored inputs gives different attempts than were stored")
	}
}

func TestUnknownSubjectDoesNotPoisonOthers(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	db.EnsureSubject(ctx, "R01")
	w := mustWriter(t, db)
	_, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{Subject: "nobody", Condition: "vehicle", Params: protocols.Default()}})
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("BeginSession(unknown subject) = %v, want ErrNotFound", err)
	}
	p := protocols.Default()
	p.MaxTrials = 5
	runStored(t, w, p, rat.Default())
	if err := w.Err(); err != nil {
		t.Errorf("writer failed after a refused begin: %v", err)
	}
}

// TestRecoverInterrupted: a session left running by a crash is marked
// interrupted at the next start, with what it recorded kept.
func TestRecoverInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.EnsureSubject(ctx, "R01")
	w, _ := db.NewWriter(storage.WithCommitInterval(time.Millisecond))
	log, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: protocols.Default(), StartedAt: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	log.Event(storage.Event{Seq: 1, At: 0, Output: hardware.HouseLight, On: true})
	log.Event(storage.Event{Seq: 2, At: time.Second, Input: hardware.Magazine, Entry: true, Class: protocols.ClassInitiation, Attempt: 1})
	a := protocols.Attempt{N: 1, Target: 3, ITI: 5 * time.Second, SD: time.Second / 2, ITIStart: time.Second, Onset: protocols.None, Response: protocols.None, Collection: protocols.None, FirstPremature: protocols.None}
	log.Attempt(a)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	// The process dies here: no End, no Close.
	db2, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	ids, err := db2.RecoverInterrupted(ctx)
	if err != nil || len(ids) != 1 || ids[0] != log.ID() {
		t.Fatalf("recovered %v, %v", ids, err)
	}
	s, _ := db2.Session(ctx, log.ID())
	if s.Status != storage.StatusInterrupted || s.EndReason != protocols.EndInterrupted || s.Ended != time.Second {
		t.Errorf("after recovery: %+v", s)
	}
	as, _ := db2.Attempts(ctx, log.ID())
	if len(as) != 1 || as[0].Outcome != protocols.Unfinished {
		t.Errorf("attempts after recovery: %+v", as)
	}
	evs, _ := db2.Events(ctx, log.ID())
	if len(evs) != 2 {
		t.Errorf("%d events kept, want 2", len(evs))
	}
	if err := db2.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
	if again, _ := db2.RecoverInterrupted(ctx); len(again) != 0 {
		t.Errorf("recovered twice: %v", again)
	}
	w.Close()
	db.Close()
}

func TestSessionsFilter(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	for _, s := range []string{"R01", "R02"} {
		db.EnsureSubject(ctx, s)
	}
	w := mustWriter(t, db)
	day := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i, sub := range []string{"R01", "R02", "R01"} {
		l, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{Subject: sub, Condition: []string{"vehicle", "atx-1.0"}[i%2], Params: protocols.Default(), StartedAt: day.AddDate(0, 0, i)}})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.End(time.Minute, protocols.EndStopped, day.AddDate(0, 0, i).Add(time.Minute), nil); err != nil {
			t.Fatal(err)
		}
	}
	count := func(f storage.Filter) int {
		ss, err := db.Sessions(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return len(ss)
	}
	if n := count(storage.Filter{}); n != 3 {
		t.Errorf("all: %d", n)
	}
	if n := count(storage.Filter{Subject: "R01"}); n != 2 {
		t.Errorf("R01: %d", n)
	}
	if n := count(storage.Filter{Condition: "atx-1.0"}); n != 1 {
		t.Errorf("atx-1.0: %d", n)
	}
	if n := count(storage.Filter{From: day.AddDate(0, 0, 1), To: day.AddDate(0, 0, 2)}); n != 1 {
		t.Errorf("one day: %d", n)
	}
}

// TestLongReaderLosesNothing: another process (an analysis script) holding
// a read transaction open for a long time does not block the writer (WAL)
// and nothing is lost.
func TestLongReaderLosesNothing(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	path := filepath.Join(dir, "busy.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.EnsureSubject(ctx, "R01")
	// An analysis script's connection: an ordinary (deferred) read
	// transaction, as R or Python's sqlite3 open one.
	reader, err := sql.Open("sqlite3", "file:"+path+"?_txlock=deferred")
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	tx, err := reader.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var before int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM events`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	w := mustWriter(t, db)
	var ids []string
	var events int
	for i := 0; i < 20; i++ {
		p := protocols.Default()
		p.Seed = uint64(i)
		rec := runStored(t, w, p, rat.Default())
		ids = append(ids, rec.ID)
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("writes blocked or failed under a long reader: %v", err)
	}
	// The reader still sees its snapshot...
	var during int
	tx.QueryRow(`SELECT COUNT(*) FROM events`).Scan(&during)
	if during != before {
		t.Errorf("the reader's snapshot changed: %d then %d", before, during)
	}
	tx.Rollback()
	// ...and everything is there once it lets go.
	for _, id := range ids {
		evs, err := db.Events(ctx, id)
		if err != nil || len(evs) == 0 {
			t.Fatalf("session %s: %d events, %v", id, len(evs), err)
		}
		for i, e := range evs {
			if e.Seq != uint64(i+1) {
				t.Fatalf("session %s: gap at %d", id, i)
			}
		}
		events += len(evs)
	}
	if events < 20*500 {
		t.Errorf("only %d events in 20 sessions", events)
	}
}
