package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

	const token = "disk-full-test-token-0123456789"
	cfg := "database: full.db\ntoken: " + token + "\ncommit_interval: 50ms\nlog: {level: warn}\nchambers:\n"
	for i := 1; i <= 4; i++ {
		cfg += fmt.Sprintf("  - {name: box%d, backend: sim, sim: {speed: 500}}\n", i)
	}
	cfgPath := filepath.Join(t.TempDir(), "full.yaml") // the configuration is not on the small disk
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg = strings.Replace(cfg, "database: full.db", "database: "+filepath.Join(dir, "full.db"), 1)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	addr := crashFreeAddr(t)
	cmd := exec.Command(fivechoiceBin, "serve", "--config", cfgPath, "--listen", addr)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	}()
	base := "http://" + addr + "/api/v1"
	crashWaitUp(t, base, &logs)
	for i := 1; i <= 4; i++ {
		crashPost(t, base+"/subjects", token, fmt.Sprintf(`{"id": "R%d"}`, i), nil)
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
		crashGet(t, base+"/chambers", &list)
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
			if code := crashPost(t, base+"/chambers/"+c.Name+"/sessions", token, body, &out); code == http.StatusCreated {
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

	// The daemon is still up, and says why it cannot record.
	select {
	case err := <-exited:
		exited <- err
		t.Fatalf("the daemon exited when the disk filled: %v", err)
	default:
	}
	r, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "full") {
		t.Errorf("/healthz: HTTP %d %s; want 503 naming the full disk", r.StatusCode, b)
	}
	var out json.RawMessage
	if code := crashPost(t, base+"/chambers/box1/sessions", token, `{"subject": "R1", "protocol": "baseline", "condition": "vehicle"}`, &out); code != http.StatusServiceUnavailable || !strings.Contains(string(out), "full") {
		t.Errorf("start on a full disk: HTTP %d %s; want 503 naming the full disk", code, out)
	}

	// Stop it, free space, start again: everything committed is there.
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(45 * time.Second):
		t.Fatal("the daemon did not stop on SIGTERM after the disk filled")
	}
	if out, err := exec.Command("mount", "-o", "remount,size=64m", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	addr = crashFreeAddr(t)
	cmd = exec.Command(fivechoiceBin, "serve", "--config", cfgPath, "--listen", addr)
	logs.Reset()
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { exited <- cmd.Wait() }()
	crashWaitUp(t, "http://"+addr+"/api/v1", &logs)
	cmd.Process.Signal(syscall.SIGTERM)
	<-exited
	exited <- nil // for the deferred cleanup

	ctx := context.Background()
	d, err := storage.Open(ctx, filepath.Join(dir, "full.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	ss, err := d.Sessions(ctx, storage.Filter{})
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
