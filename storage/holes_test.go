package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// lockHolder is another process's connection to the database file, which
// takes SQLite's write lock (BEGIN IMMEDIATE) and holds it.
type lockHolder struct {
	t    *testing.T
	conn *sql.Conn
}

func holdLock(t *testing.T, path string) *lockHolder {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &lockHolder{t: t, conn: conn}
}

func (h *lockHolder) take() {
	if _, err := h.conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		h.t.Errorf("the other process could not take the write lock: %v", err)
	}
}

func (h *lockHolder) release() { h.conn.ExecContext(context.Background(), "ROLLBACK") }

// poker visits the magazine and pokes hole 1 every 70 ms for a while: a
// steady flow of events and attempts on the wall clock.
type poker struct{ d time.Duration }

func (p poker) Begin(s sim.Actions) {
	const ms = time.Millisecond
	for t := 10 * ms; t < p.d; t += 70 * ms {
		s.Schedule(t, hardware.Magazine, true)
		s.Schedule(t+5*ms, hardware.Magazine, false)
		s.Schedule(t+35*ms, hardware.Hole(1), true)
		s.Schedule(t+40*ms, hardware.Hole(1), false)
	}
}
func (poker) Observe(time.Duration, hardware.Output, bool) {}

// realtimeParams is a quick real-time session of length d.
func realtimeParams(d time.Duration) protocols.Params {
	const ms = time.Millisecond
	p := protocols.Default()
	p.ITI, p.StimulusDuration, p.LimitedHold, p.Timeout = protocols.Duration(40*ms), protocols.Duration(30*ms), protocols.Duration(300*ms), protocols.Duration(40*ms)
	p.Initiation = protocols.InitiationAuto
	p.MaxTrials, p.MaxDuration, p.Seed = 10000, protocols.Duration(d), 7
	return p
}

// TestLockedDatabaseLeavesNoHoles: another process holds SQLite's write lock
// in the middle of a running session, longer than the writer's busy
// timeout. Either the failed batch is retried whole and the session runs to
// its end with every event, or (when the lock outlasts the retries) the
// session ends aborted at its last whole commit and says so; never a record
// with events 1..k and then later ones. Either way the stored attempts are
// what the stored events imply (rescore agrees), and the writer recovers by
// itself once the lock is gone.
func TestLockedDatabaseLeavesNoHoles(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryFor   time.Duration
		lockedFrom time.Duration
		lockedFor  time.Duration
		wantEnd    string
	}{
		{"retried whole", storage.DefaultRetryFor, 400 * time.Millisecond, time.Second, protocols.EndTimeLimit},
		{"ended at the last whole commit", 200 * time.Millisecond, 400 * time.Millisecond, 400 * time.Millisecond, protocols.EndAborted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "locked.db")
			db, err := storage.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.EnsureSubject(ctx, "R01")
			db.EnsureSubject(ctx, "R02")
			w, err := db.NewWriter(storage.WithBusyTimeout(50*time.Millisecond), storage.WithRetryFor(tc.retryFor), storage.WithCommitInterval(20*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			other := holdLock(t, path)
			released := make(chan struct{})
			time.AfterFunc(tc.lockedFrom, func() {
				other.take()
				time.AfterFunc(tc.lockedFor, func() { other.release(); close(released) })
			})
			p := realtimeParams(tc.lockedFrom + tc.lockedFor + 600*time.Millisecond)
			ch := sim.NewRealtime(poker{time.Duration(p.MaxDuration)})
			rec, err := controller.RunRecorded(ctx, w, controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: p}}, controller.Setup{Chamber: ch})
			if err != nil && rec.ID == "" {
				t.Fatal(err)
			}
			<-released
			// An end that could not be written while locked is written
			// once the database writes again.
			s, err := db.Session(ctx, rec.ID)
			for ; err == nil && s.Status == storage.StatusRunning; s, err = db.Session(ctx, rec.ID) {
				time.Sleep(50 * time.Millisecond)
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.EndReason != tc.wantEnd {
				t.Errorf("ended %q (%q), want %q", s.EndReason, s.Error, tc.wantEnd)
			}
			if tc.wantEnd == protocols.EndAborted && !strings.Contains(s.Error, "record stops whole at event") {
				t.Errorf("the aborted session does not say where its record stops: %q", s.Error)
			}
			evs, _ := db.Events(ctx, rec.ID)
			for i, e := range evs {
				if e.Seq != uint64(i+1) {
					t.Fatalf("event %d stored as number %d: a hole in the record", i+1, e.Seq)
				}
			}
			if gaps, err := db.EventGaps(ctx); err != nil || len(gaps) > 0 {
				t.Errorf("gaps %v %v", gaps, err)
			}
			if diff, err := db.Rescore(ctx, rec.ID); err != nil || diff != "" {
				t.Errorf("rescore: %q %v", diff, err)
			}
			// The writer recovers by itself: a new session begins and ends.
			for w.Err() != nil {
				time.Sleep(50 * time.Millisecond)
			}
			short := realtimeParams(200 * time.Millisecond)
			ch2 := sim.NewRealtime(poker{time.Second})
			if _, err := controller.RunRecorded(ctx, w, controller.Plan{Provenance: storage.Provenance{Subject: "R02", Condition: "vehicle", Params: short}}, controller.Setup{Chamber: ch2}); err != nil {
				t.Errorf("after the lock was released: %v", err)
			}
			as, _ := db.Attempts(ctx, rec.ID)
			t.Logf("%d events, %d attempts, ended %s at %v: %s", len(evs), len(as), s.EndReason, s.Ended, s.Error)
		})
	}
}

// TestBeginSessionIsCommitted: when BeginSession returns (the API's 201),
// the session row is committed: another connection sees it, even with a
// commit interval of an hour. A crash right after the start keeps it.
func TestBeginSessionIsCommitted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "begin.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.EnsureSubject(ctx, "R01")
	w, err := db.NewWriter(storage.WithCommitInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	l, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: protocols.Default(), StartedAt: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := sql.Open("sqlite3", "file:"+path)
	defer other.Close()
	var n int
	if err := other.QueryRow(`SELECT COUNT(*) FROM sessions WHERE id = ?`, l.ID()).Scan(&n); err != nil || n != 1 {
		t.Errorf("another connection sees %d rows of the session just begun (%v): not committed", n, err)
	}
	if l.Committed().At.IsZero() {
		t.Error("the log does not report its begin as committed")
	}
}

// TestOneRunningSessionPerSubject: the database itself refuses a second
// running session of one subject, whoever asks, so that no race between
// two starts runs one rat in two chambers.
func TestOneRunningSessionPerSubject(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "one.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, err := db.NewWriter()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	db.EnsureSubject(ctx, "R01")
	rec := storage.SessionRecord{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: protocols.Default(), StartedAt: time.Now()}}
	first, err := w.BeginSession(rec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.BeginSession(rec); !errors.Is(err, storage.ErrSubjectRunning) {
		t.Errorf("second running session of R01: %v, want ErrSubjectRunning", err)
	}
	// Eight starts racing for R02: exactly one wins.
	db.EnsureSubject(ctx, "R02")
	wins := make(chan error, 8)
	for range 8 {
		go func() {
			r := rec
			r.Subject = "R02"
			_, err := w.BeginSession(r)
			wins <- err
		}()
	}
	started := 0
	for range 8 {
		if err := <-wins; err == nil {
			started++
		} else if !errors.Is(err, storage.ErrSubjectRunning) {
			t.Errorf("a racing start: %v", err)
		}
	}
	if started != 1 {
		t.Errorf("%d of 8 racing starts of R02 began a session, want 1", started)
	}
	if err := first.End(time.Second, protocols.EndStopped, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.BeginSession(rec); err != nil {
		t.Errorf("after the first ended: %v", err)
	}
}

// TestSubjectsThroughTheWriter: a subject added while another process
// holds the lock longer than the busy timeout is not refused with
// "database is locked": it goes through the writer, whose batch is retried.
func TestSubjectsThroughTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "subjects.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, err := db.NewWriter(storage.WithBusyTimeout(20 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	other := holdLock(t, path)
	other.take()
	time.AfterFunc(300*time.Millisecond, other.release)
	if err := w.AddSubject(storage.Subject{ID: "R07"}); err != nil {
		t.Fatalf("add subject while locked: %v", err)
	}
	if err := w.AddSubject(storage.Subject{ID: "R07"}); !errors.Is(err, storage.ErrExists) {
		t.Errorf("add it again: %v, want ErrExists", err)
	}
	if _, err := db.Subject(ctx, "R07"); err != nil {
		t.Error(err)
	}
}
