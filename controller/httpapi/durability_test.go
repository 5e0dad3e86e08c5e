package httpapi_test

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// TestHealthDegradedWhileCommitsLag: while another process holds the
// database's lock past commit_lag_warning, /healthz answers 200 "degraded"
// with the warning, the chamber's view carries it beside the live and the
// committed position, and the session goes on; once the lock is gone,
// "ok" again by itself.
func TestHealthDegradedWhileCommitsLag(t *testing.T) {
	d := start(t, storage.WithLagWarning(200*time.Millisecond), storage.WithCommitInterval(10*time.Millisecond))
	if got := d.do("POST", "/api/v1/subjects", `{"id": "R01"}`, "", nil); got != http.StatusCreated {
		t.Fatalf("add subject: %d", got)
	}
	s := d.startSession("box3", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"max_trials": 10000, "max_duration": "10h"}}`)
	other, err := sql.Open("sqlite3", "file:"+d.db.Path()+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var health struct{ Status, Warning string }
	waitHealth := func(want string) {
		t.Helper()
		for i := 0; ; i++ {
			health.Warning = ""
			if code := d.do("GET", "/healthz", "", "none", &health); code == http.StatusOK && health.Status == want {
				return
			}
			if i == 200 {
				t.Fatalf("/healthz: %+v, want %q", health, want)
			}
			time.Sleep(25 * time.Millisecond)
		}
	}
	waitHealth("degraded")
	var ch struct {
		State          string             `json:"state"`
		SessionID      string             `json:"session_id"`
		EventSeq       uint64             `json:"event_seq"`
		Committed      *storage.Committed `json:"committed"`
		StorageWarning string             `json:"storage_warning"`
	}
	d.do("GET", "/api/v1/chambers/box3", "", "", &ch)
	if ch.State != "running" || ch.SessionID != s.ID || ch.StorageWarning == "" || ch.Committed == nil || ch.EventSeq <= ch.Committed.EventSeq {
		t.Errorf("chamber while commits lag: %+v (committed %+v)", ch, ch.Committed)
	}
	conn.ExecContext(context.Background(), "ROLLBACK")
	waitHealth("ok")
	// Writes queued during the lock may still be catching up: wait for the
	// chamber's warning to clear too.
	for i := 0; ; i++ {
		ch.StorageWarning = "" // absent when all is well: decoding leaves the old value
		if d.do("GET", "/api/v1/chambers/box3", "", "", &ch) == http.StatusOK && ch.StorageWarning == "" {
			break
		}
		if i == 200 {
			t.Fatalf("chamber still warns after the lock was released: %q", ch.StorageWarning)
		}

		time.Sleep(25 * time.Millisecond)
	}
	if ch.Committed == nil || ch.Committed.EventSeq == 0 {
		t.Errorf("chamber after catching up: %+v (committed %+v)", ch, ch.Committed)
	}
}
