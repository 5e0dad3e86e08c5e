package controller_test

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

// chatter is a stuck beam: hole 1 flickers every 50 µs from 300 ms on.
type chatter struct{}

func (chatter) Begin(s sim.Actions) {
	for t := 300 * time.Millisecond; t < time.Second; t += 50 * time.Microsecond {
		s.Schedule(t, hardware.Hole(1), (t/(50*time.Microsecond))%2 == 0)
	}
}
func (chatter) Observe(time.Duration, hardware.Output, bool) {}

// TestChatteringBeamWhileTheDiskStalls: a real-time session whose events
// come faster than storage takes them (a chattering beam while another
// process holds the database's write lock) costs a bounded queue, and when
// the queue is full the session ends aborted where its record stops:
// whole, no event missing before the end, the stored attempts what the
// stored events imply, saying why. Dropping events silently and running on
// would leave holes in the record.
func TestChatteringBeamWhileTheDiskStalls(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chatter.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.EnsureSubject(ctx, "R01")
	w, err := db.NewWriter(storage.WithQueue(256), storage.WithCommitInterval(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// Another process takes the write lock while the writer is idle, before
	// the beam starts chattering, and keeps it for most of the session.
	other, _ := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	defer other.Close()
	conn, _ := other.Conn(ctx)
	defer conn.Close()
	locked := make(chan error, 1)
	time.AfterFunc(100*time.Millisecond, func() { _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); locked <- err })
	time.AfterFunc(900*time.Millisecond, func() { conn.ExecContext(ctx, "ROLLBACK") })

	p := protocols.Default()
	p.MaxDuration = protocols.Duration(time.Second)
	p.Seed = 1
	rec, err := controller.RunRecorded(ctx, w, controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: p}}, controller.Setup{Chamber: sim.NewRealtime(chatter{})})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-locked; err != nil {
		t.Fatalf("the other process could not take the write lock: %v", err)
	}
	if rec.Result.EndReason != protocols.EndAborted || !errors.Is(rec.Result.Err, storage.ErrQueueFull) {
		t.Fatalf("ended %q (%v): want aborted on a full queue", rec.Result.EndReason, rec.Result.Err)
	}
	s, err := db.Session(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.EndReason != protocols.EndAborted || !strings.Contains(s.Error, "storage queue full") || !strings.Contains(s.Error, "record stops whole at event") {
		t.Errorf("the stored session does not say where and why it stops: %s %q", s.EndReason, s.Error)
	}
	evs, _ := db.Events(ctx, rec.ID)
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d stored as number %d: a hole in the record", i+1, e.Seq)
		}
	}
	if diff, err := db.Rescore(ctx, rec.ID); err != nil || diff != "" {
		t.Errorf("rescore: %q %v", diff, err)
	}
	t.Logf("queue of 256: the record stops whole at event %d, session time %v", len(evs), s.Ended)
}
