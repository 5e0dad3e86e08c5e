package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// TestCrashRecovery is the crash proof: the daemon runs 16 simulated
// chambers at high speed and is killed with SIGKILL at random moments, 20
// times, restarting each time. After every restart: the database passes
// PRAGMA integrity_check, every session started is there, the sessions that
// were running are marked interrupted, every session's event numbers have
// no gaps, and everything the daemon reported live more than one commit
// interval before the kill is stored.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash proof takes about a minute")
	}
	kills := 20
	if v := os.Getenv("FIVECHOICE_CRASH_KILLS"); v != "" {
		kills, _ = strconv.Atoi(v)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "crash.db")
	const token = "crash-test-token-0123456789"
	// Sixteen simulated chambers, paced fifty times faster than real time.
	cfg := "database: crash.db\nlisten: 127.0.0.1:0\ntoken: " + token + "\ncommit_interval: 100ms\nlog: {level: warn}\nchambers:\n"
	for i := 1; i <= 16; i++ {
		cfg += fmt.Sprintf("  - {name: box%02d, backend: sim, sim: {speed: 50}}\n", i)
	}
	cfgPath := filepath.Join(dir, "crash.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	started := map[string]bool{}
	for k := 0; k < kills; k++ {
		addr := crashFreeAddr(t)
		cmd := exec.Command(fivechoiceBin, "serve", "--config", cfgPath, "--listen", addr)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		base := "http://" + addr + "/api/v1"
		crashWaitUp(t, base, &logs)
		if k == 0 {
			for i := 1; i <= 16; i++ {
				crashPost(t, base+"/subjects", token, fmt.Sprintf(`{"id": "R%02d"}`, i), nil)
			}
		}
		// Every chamber gets a session.
		var list struct {
			Chambers []struct {
				Name string `json:"name"`
			} `json:"chambers"`
		}
		crashGet(t, base+"/chambers", &list)
		if len(list.Chambers) != 16 {
			t.Fatalf("%d chambers", len(list.Chambers))
		}
		for _, c := range list.Chambers {
			var out struct {
				ID string `json:"id"`
			}
			body := fmt.Sprintf(`{"subject": "R%02d", "protocol": "baseline", "condition": "vehicle"}`, rng.IntN(16)+1)
			if code := crashPost(t, base+"/chambers/"+c.Name+"/sessions", token, body, &out); code != http.StatusCreated {
				t.Fatalf("start on %s: HTTP %d", c.Name, code)
			}
			started[out.ID] = true
		}
		time.Sleep(time.Duration(200+rng.IntN(1500)) * time.Millisecond)
		// What the daemon reports live now must survive a kill one commit
		// interval (and a margin) later.
		var live struct {
			Chambers []struct {
				SessionID string `json:"session_id"`
				Attempt   int    `json:"attempt"`
			} `json:"chambers"`
		}
		crashGet(t, base+"/chambers", &live)
		time.Sleep(storage.DefaultCommitInterval + 150*time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		d, err := storage.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := d.IntegrityCheck(ctx); err != nil {
			t.Fatalf("kill %d: %v", k+1, err)
		}
		for _, l := range live.Chambers {
			if l.SessionID == "" {
				continue
			}
			as, err := d.Attempts(ctx, l.SessionID)
			if err != nil {
				t.Fatal(err)
			}
			if len(as) < l.Attempt {
				t.Errorf("kill %d: session %s reported attempt %d live, %d stored after the kill", k+1, l.SessionID, l.Attempt, len(as))
			}
		}
		if gaps, err := d.EventGaps(ctx); err != nil || len(gaps) != 0 {
			t.Errorf("kill %d: sessions with gaps in their event numbers: %v (%v)", k+1, gaps, err)
		}
		d.Close()
	}
	// One last start recovers the last kill; then every session is there and
	// none is left running.
	addr := crashFreeAddr(t)
	cmd := exec.Command(fivechoiceBin, "serve", "--config", cfgPath, "--listen", addr)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Start()
	crashWaitUp(t, "http://"+addr+"/api/v1", &logs)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	d, _ := storage.Open(context.Background(), db)
	defer d.Close()
	ss, _ := d.Sessions(context.Background(), storage.Filter{})
	found, interrupted := 0, 0
	for _, s := range ss {
		if started[s.ID] {
			found++
		}
		if s.Status == storage.StatusRunning {
			t.Errorf("session %s still marked running after recovery", s.ID)
		}
		if s.Status == storage.StatusInterrupted {
			interrupted++
		}
	}
	if found != len(started) {
		t.Errorf("%d of %d started sessions stored", found, len(started))
	}
	if interrupted == 0 {
		t.Error("no session was interrupted by 20 kills")
	}
	t.Logf("%d kills: %d sessions, %d interrupted, all present, no gaps", kills, len(ss), interrupted)
}

func crashFreeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func crashWaitUp(t *testing.T, base string, logs *bytes.Buffer) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if r, err := http.Get(base + "/chambers"); err == nil {
			r.Body.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the daemon did not come up:\n%s", logs)
}

func crashGet(t *testing.T, url string, v any) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func crashPost(t *testing.T, url, token, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if v != nil {
		json.NewDecoder(r.Body).Decode(v)
	}
	return r.StatusCode
}
