package controller_test

import (
	"context"
	"database/sql"
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
// process holds the database's write lock) keeps to its time, costs a
// bounded queue, counts what it dropped and is flagged in the database.
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

	time.AfterFunc(500*time.Millisecond, func() { t.Logf("queue at 500 ms: %d of 256", w.QueueLen()) })
	p := protocols.Default()
	p.MaxDuration = protocols.Duration(time.Second)
	p.Seed = 1
	start := time.Now()
	rec, err := controller.RunRecorded(ctx, w, controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: p}}, controller.Setup{Chamber: sim.NewRealtime(chatter{})})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("a 1 s session took %v: the runner waited for storage", took)
	}
	if err := <-locked; err != nil {
		t.Fatalf("the other process could not take the write lock: %v", err)
	}
	if rec.Dropped == 0 {
		evs, _ := db.Events(ctx, rec.ID)
		t.Fatalf("nothing dropped: the test did not overload the queue (%d events stored)", len(evs))
	}
	if rec.Result.EndReason != protocols.EndTimeLimit {
		t.Errorf("ended %q", rec.Result.EndReason)
	}
	s, err := db.Session(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Error, "dropped") {
		t.Errorf("the stored session is not flagged: %q", s.Error)
	}
	t.Logf("%d dropped of a chattering second; queue of 256", rec.Dropped)
}
