package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// TestServeDiskFull: the daemon's database on a file system that fills up
// (a 1 MB tmpfs). The sessions recording at that moment end aborted with
// the error naming the full disk; the daemon stays up and says so: each
// chamber's last session with its error, /healthz 503 with the reason, and
// a refused start. Once space is freed, the next start finds everything
// committed before the disk filled, intact.
func TestServeDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a file system")
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting a small file system needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })

	// The database is on the small disk, the configuration is not.
	cfg := "database: " + filepath.Join(dir, "full.db") + "\nlisten: 127.0.0.1:0\ntoken: " + e2eToken +
		"\ncommit_interval: 50ms\nlog: {level: info}\nchambers:\n"
	for i := 1; i <= 4; i++ {
		cfg += fmt.Sprintf("  - {name: box%d, backend: sim, sim: {speed: 500}}\n", i)
	}
	cfgDir := t.TempDir()
	cfgPath := filepath.Join(cfgDir, "full.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, cfgDir, "--config", cfgPath)
	for i := 1; i <= 4; i++ {
		d.post("/api/v1/subjects", fmt.Sprintf(`{"id": "R%d"}`, i), nil)
	}

	type chamber struct {
		Name  string `json:"name"`
		State string `json:"state"`
		Last  *struct {
			ID        string `json:"id"`
			EndReason string `json:"end_reason"`
			Error     string `json:"error"`
		} `json:"last_session"`
	}
	started := map[string]bool{}
	var aborted []string // "id: error"
	refused := 0
	for deadline := time.Now().Add(2 * time.Minute); len(aborted) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var list struct{ Chambers []chamber }
		d.get("/api/v1/chambers", &list)
		for i, c := range list.Chambers {
			if c.Last != nil && c.Last.Error != "" {
				aborted = append(aborted, c.Last.ID+" "+c.Last.EndReason+": "+c.Last.Error)
			}
			if c.State != "idle" || len(aborted) > 0 {
				continue
			}
			var out struct {
				ID string `json:"id"`
			}
			body := fmt.Sprintf(`{"subject": "R%d", "protocol": "baseline", "condition": "vehicle"}`, i+1)
			if code := d.post("/api/v1/chambers/"+c.Name+"/sessions", body, &out); code == http.StatusCreated {
				started[out.ID] = true
			} else {
				refused++
			}
		}
	}
	if len(aborted) == 0 {
		t.Fatalf("no session aborted after %d sessions on a 1 MB disk (%d starts refused)", len(started), refused)
	}
	for _, a := range aborted {
		if !strings.Contains(a, " aborted: ") || !strings.Contains(a, "full") {
			t.Errorf("last session %s: want aborted with the full disk named", a)
		}
	}
	t.Logf("%d sessions started; %s", len(started), aborted[0])

	// The daemon is still up (a request to a daemon gone fails the test),
	// and says why it cannot record.
	var health struct{ Status, Error string }
	if code := d.get("/healthz", &health); code != http.StatusServiceUnavailable || !strings.Contains(health.Error, "full") {
		t.Errorf("/healthz: HTTP %d %+v; want 503 naming the full disk", code, health)
	}
	var refusal struct{ Error string }
	if code := d.post("/api/v1/chambers/box1/sessions", `{"subject": "R1", "protocol": "baseline", "condition": "vehicle"}`, &refusal); code != http.StatusServiceUnavailable || !strings.Contains(refusal.Error, "full") {
		t.Errorf("start on a full disk: HTTP %d %+v; want 503 naming the full disk", code, refusal)
	}

	// Free space: the daemon notices by itself (it tries a write every
	// second). Then stop it and start again: everything committed is there.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	waitHealthy(t, d)
	if code := d.signal(syscall.SIGTERM); code < 0 {
		t.Errorf("SIGTERM after the disk filled: killed by signal %d", -code)
	}
	if code := startDaemon(t, cfgDir, "--config", cfgPath).signal(syscall.SIGTERM); code != 0 {
		t.Errorf("the restart after freeing space exited %d", code)
	}

	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(dir, "full.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	ss, err := db.Sessions(ctx, storage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	for _, s := range ss {
		stored[s.ID] = s.EndReason
	}
	for id := range started {
		reason, ok := stored[id]
		switch {
		case !ok:
			t.Errorf("session %s, started before the disk filled, is missing", id)
		case reason == "" || reason == "running":
			t.Errorf("session %s left without an end after restart", id)
		}
	}
}

// waitHealthy waits (10 s at most) for /healthz to answer 200.
func waitHealthy(t *testing.T, d *daemonProc) {
	t.Helper()
	var health struct{ Status, Error string }
	for i := 0; d.get("/healthz", &health) != http.StatusOK; i++ {
		if i == 100 {
			t.Fatalf("/healthz still %+v 10 s after space was freed", health)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
