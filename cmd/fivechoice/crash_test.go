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
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// TestCrashRecovery is the crash proof: the daemon runs 16 simulated
// chambers at high speed and is killed with SIGKILL at random moments, 20
// times, restarting each time; some kills come within 150 ms of the last
// start's 201. After every kill: the database passes PRAGMA
// integrity_check, every session the API acknowledged (201) is stored,
// every session's event numbers have no gaps, and everything the daemon
// reported as committed (the chambers' "committed" attempt and event)
// before the kill is stored: the exact promise, with no timing margin.
// It logs how far the live sessions ran ahead of what was committed.
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
	cfgPath := crashConfig(t, dir)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	started := map[string]bool{}
	var ahead crashAhead
	for k := 0; k < kills; k++ {
		d := crashStart(t, cfgPath)
		if k == 0 {
			for i := 1; i <= 16; i++ {
				crashPost(t, d.base+"/subjects", fmt.Sprintf(`{"id": "R%02d"}`, i), nil)
			}
		}
		d.startAll(t, rng, started)
		if k%4 == 3 { // right after the last 201
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		} else {
			time.Sleep(time.Duration(200+rng.IntN(1500)) * time.Millisecond)
		}
		// What the daemon reports as committed now must be stored after a
		// kill at once.
		var live crashChambers
		crashGet(t, d.base+"/chambers", &live)
		d.kill()
		crashCheck(t, k+1, db, live, started, &ahead)
	}
	// One last start recovers the last kill; then none is left running.
	d := crashStart(t, cfgPath)
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.cmd.Wait()
	crashFinal(t, db, started)
	t.Logf("%d kills, %d sessions acknowledged, all stored, no gaps; live ahead of committed at the kill: %s", kills, len(started), ahead)
}

// crashChambers is the API's chambers view, as much as the proof reads.
type crashChambers struct {
	Chambers []struct {
		Name      string             `json:"name"`
		SessionID string             `json:"session_id"`
		Attempt   int                `json:"attempt"`
		EventSeq  uint64             `json:"event_seq"`
		Committed *storage.Committed `json:"committed"`
	} `json:"chambers"`
}

// crashAhead gathers how far live sessions ran ahead of their committed
// point when the daemon was killed.
type crashAhead struct {
	events, attempts []int
	age              []time.Duration // since the last commit covering the session
}

func (a crashAhead) String() string {
	if len(a.events) == 0 {
		return "no running session seen"
	}
	q := func(v []int, p float64) int { s := slices.Clone(v); slices.Sort(s); return s[int(p*float64(len(s)-1))] }
	ages := make([]int, len(a.age))
	for i, d := range a.age {
		ages[i] = int(d.Milliseconds())
	}
	return fmt.Sprintf("%d session snapshots; events ahead median %d, max %d; attempts ahead median %d, max %d; committed point's age median %d ms, max %d ms",
		len(a.events), q(a.events, .5), q(a.events, 1), q(a.attempts, .5), q(a.attempts, 1), q(ages, .5), q(ages, 1))
}

func crashConfig(t *testing.T, dir string) string {
	// Sixteen simulated chambers, paced fifty times faster than real time.
	cfg := "database: crash.db\nlisten: 127.0.0.1:0\ntoken: " + crashToken + "\ncommit_interval: 100ms\nlog: {level: warn}\nchambers:\n"
	for i := 1; i <= 16; i++ {
		cfg += fmt.Sprintf("  - {name: box%02d, backend: sim, sim: {speed: 50}}\n", i)
	}
	path := filepath.Join(dir, "crash.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const crashToken = "crash-test-token-0123456789"

// crashDaemon is one run of the daemon under the crash proof.
type crashDaemon struct {
	cmd  *exec.Cmd
	base string
	logs bytes.Buffer
}

func crashStart(t *testing.T, cfgPath string) *crashDaemon {
	t.Helper()
	addr := crashFreeAddr(t)
	d := &crashDaemon{base: "http://" + addr + "/api/v1"}
	d.cmd = exec.Command(fivechoiceBin, "serve", "--config", cfgPath, "--listen", addr)
	d.cmd.Stdout, d.cmd.Stderr = &d.logs, &d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	crashWaitUp(t, d.base, &d.logs)
	return d
}

func (d *crashDaemon) kill() {
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.cmd.Wait()
}

// startAll starts a session on every chamber, each with its own subject
// (one animal, one chamber), in a random pairing.
func (d *crashDaemon) startAll(t *testing.T, rng *rand.Rand, started map[string]bool) {
	t.Helper()
	var list crashChambers
	crashGet(t, d.base+"/chambers", &list)
	if len(list.Chambers) != 16 {
		t.Fatalf("%d chambers", len(list.Chambers))
	}
	subjects := rng.Perm(16)
	for i, c := range list.Chambers {
		var out struct {
			ID string `json:"id"`
		}
		body := fmt.Sprintf(`{"subject": "R%02d", "protocol": "baseline", "condition": "vehicle"}`, subjects[i]+1)
		if code := crashPost(t, d.base+"/chambers/"+c.Name+"/sessions", body, &out); code != http.StatusCreated {
			t.Fatalf("start on %s: HTTP %d\n%s", c.Name, code, d.logs.String())
		}
		started[out.ID] = true
	}
}

// crashCheck checks the database after kill k against what the daemon had
// acknowledged and reported as committed.
func crashCheck(t *testing.T, k int, path string, live crashChambers, started map[string]bool, ahead *crashAhead) {
	t.Helper()
	ctx := context.Background()
	d, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.IntegrityCheck(ctx); err != nil {
		t.Fatalf("kill %d: %v", k, err)
	}
	for id := range started {
		if _, err := d.Session(ctx, id); err != nil {
			t.Errorf("kill %d: session %s was acknowledged (201) but is not stored: %v", k, id, err)
		}
	}
	now := time.Now()
	for _, l := range live.Chambers {
		if l.SessionID == "" || l.Committed == nil {
			continue
		}
		as, err := d.Attempts(ctx, l.SessionID)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := d.Events(ctx, l.SessionID)
		if err != nil {
			t.Fatal(err)
		}
		c := l.Committed
		if len(as) < c.Attempt || uint64(len(evs)) < c.EventSeq {
			t.Errorf("kill %d: session %s reported committed attempt %d, event %d; stored after the kill: %d attempts, %d events",
				k, l.SessionID, c.Attempt, c.EventSeq, len(as), len(evs))
		}
		ahead.events = append(ahead.events, int(l.EventSeq-min(l.EventSeq, c.EventSeq)))
		ahead.attempts = append(ahead.attempts, max(l.Attempt-c.Attempt, 0))
		ahead.age = append(ahead.age, now.Sub(c.At))
	}
	if gaps, err := d.EventGaps(ctx); err != nil || len(gaps) != 0 {
		t.Errorf("kill %d: sessions with gaps in their event numbers: %v (%v)", k, gaps, err)
	}
}

// crashFinal checks, after a clean restart and stop, that every session is
// there and none is left running.
func crashFinal(t *testing.T, path string, started map[string]bool) {
	t.Helper()
	d, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
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
		t.Error("no session was interrupted by the kills")
	}
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
	for i := 0; i < 500; i++ {
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
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+crashToken)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func crashPost(t *testing.T, url, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+crashToken)
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
