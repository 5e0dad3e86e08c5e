package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

const e2eToken = "e2e-token-0123456789abcdef"

// e2eConfig writes a daemon configuration with n simulated chambers running
// speed times faster than real time, on a random loopback port.
func e2eConfig(t *testing.T, dir string, n int, speed int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("database: fivechoice.db\nlisten: 127.0.0.1:0\ntoken: " + e2eToken + "\n")
	b.WriteString("log: {level: info, format: json}\ncommit_interval: 50ms\nchambers:\n")
	for i := range n {
		b.WriteString("  - {name: box" + strconv.Itoa(i+1) + ", backend: sim, sim: {speed: " + strconv.Itoa(speed) + "}}\n")
	}
	path := filepath.Join(dir, "fivechoice.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// daemonProc is the real fivechoice binary running serve.
type daemonProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	log    strings.Builder
	logEnd chan struct{}
}

// textListening finds the address in the text log's line.
var textListening = regexp.MustCompile(`msg="API listening" .*\baddr=(\S+)`)

// startDaemon runs `fivechoice serve` in dir and waits until it listens.
func startDaemon(t *testing.T, dir string, args ...string) *daemonProc {
	t.Helper()
	cmd := exec.Command(fivechoiceBin, append([]string{"serve"}, args...)...)
	cmd.Dir = dir
	return startDaemonCmd(t, cmd)
}

// startDaemonCmd starts a serve command and waits until it listens; its
// address is read from its log (it listens on port 0).
func startDaemonCmd(t *testing.T, cmd *exec.Cmd) *daemonProc {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemonProc{t: t, cmd: cmd, logEnd: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(d.logEnd)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			d.log.WriteString(line + "\n")
			d.mu.Unlock()
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "API listening" {
				addr <- entry.Addr
			} else if m := textListening.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	select {
	case a := <-addr:
		d.url = "http://" + a
	case <-d.logEnd:
		cmd.Wait()
		t.Fatalf("the daemon exited at start:\n%s", d.logs())
	case <-time.After(20 * time.Second):
		t.Fatalf("the daemon did not listen within 20s:\n%s", d.logs())
	}
	return d
}

func (d *daemonProc) logs() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.String()
}

// signal sends sig and returns the exit status.
func (d *daemonProc) signal(sig syscall.Signal) int {
	d.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.t.Fatal(err)
	}
	<-d.logEnd
	err := d.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -int(ws.Signal())
		}
		return ee.ExitCode()
	} else if err != nil {
		d.t.Fatal(err)
	}
	return 0
}

// post sends an authenticated POST and decodes the answer.
func (d *daemonProc) post(path, body string, out any) int {
	d.t.Helper()
	req, _ := http.NewRequest("POST", d.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	return d.send(req, out)
}

func (d *daemonProc) get(path string, out any) int {
	d.t.Helper()
	req, _ := http.NewRequest("GET", d.url+path, nil)
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+e2eToken)
	}
	return d.send(req, out)
}

func (d *daemonProc) send(req *http.Request, out any) int {
	d.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			d.t.Fatalf("%s %s: %v\n%s", req.Method, req.URL, err, b)
		}
	}
	return resp.StatusCode
}

// startLong starts a session that runs until stopped on each chamber, the
// subject named after the chamber (one animal, one chamber).
func (d *daemonProc) startLong(chambers ...string) []string {
	d.t.Helper()
	var ids []string
	for _, ch := range chambers {
		if code := d.post("/api/v1/subjects", `{"id": "R-`+ch+`"}`, nil); code != http.StatusCreated && code != http.StatusConflict {
			d.t.Fatalf("add subject: %d", code)
		}
		var s struct{ ID string }
		body := `{"subject": "R-` + ch + `", "protocol": "baseline", "condition": "vehicle", "params": {"max_trials": 10000, "max_duration": "10h"}}`
		if code := d.post("/api/v1/chambers/"+ch+"/sessions", body, &s); code != http.StatusCreated {
			d.t.Fatalf("start on %s: %d\n%s", ch, code, d.logs())
		}
		ids = append(ids, s.ID)
	}
	return ids
}

// TestServeSignalsAndCrash runs the daemon as a service manager would:
// SIGTERM in the middle of sessions ends them "stopped" and exits 0;
// kill -9 leaves them running in the file, and the next start marks them
// interrupted, keeping what was committed, with the database intact.
func TestServeSignalsAndCrash(t *testing.T) {
	dir := t.TempDir()
	cfg := e2eConfig(t, dir, 3, 50)
	db := filepath.Join(dir, "fivechoice.db")

	d := startDaemon(t, dir, "--config", cfg)
	crashed := d.startLong("box1", "box2")
	time.Sleep(time.Second) // some commits
	if code := d.signal(syscall.SIGKILL); code != -int(syscall.SIGKILL) {
		t.Fatalf("kill -9: exit %d", code)
	}

	d = startDaemon(t, dir, "--config", cfg)
	if !strings.Contains(d.logs(), "marked interrupted") || !strings.Contains(d.logs(), "database intact") {
		t.Errorf("restart after kill -9 did not report the recovery:\n%s", d.logs())
	}
	stopped := d.startLong("box1", "box3")
	time.Sleep(500 * time.Millisecond)
	if code := d.signal(syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM: exit %d\n%s", code, d.logs())
	}
	if !strings.Contains(d.logs(), "every session ended and committed") {
		t.Errorf("no clean stop in the log:\n%s", d.logs())
	}

	ctx := context.Background()
	store, err := storage.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range crashed {
		s, err := store.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		as, _ := store.Attempts(ctx, id)
		if s.Status != storage.StatusInterrupted || s.EndReason != "interrupted" || len(as) == 0 {
			t.Errorf("crashed session %s: %s/%s with %d attempts", id, s.Status, s.EndReason, len(as))
		}
	}
	for _, id := range stopped {
		s, err := store.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != storage.StatusEnded || s.EndReason != "stopped" {
			t.Errorf("session %s after SIGTERM: %s/%s", id, s.Status, s.EndReason)
		}
	}
}

// TestServeDefault starts the built-in configuration as the README does:
// four simulated chambers, the token from FIVECHOICE_TOKEN.
func TestServeDefault(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(fivechoiceBin, "serve", "--listen", "127.0.0.1:0", "--sim-speed", "100")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FIVECHOICE_TOKEN="+e2eToken)
	dd := startDaemonCmd(t, cmd)
	var chambers struct {
		Chambers []struct{ Name, State string }
	}
	if code := dd.get("/api/v1/chambers", &chambers); code != http.StatusOK || len(chambers.Chambers) != 4 || chambers.Chambers[3].Name != "box4" {
		t.Errorf("default chambers: %d %+v", code, chambers)
	}
	if _, err := os.Stat(filepath.Join(dir, "fivechoice.db")); err != nil {
		t.Errorf("default database: %v", err)
	}
	if code := dd.signal(syscall.SIGINT); code != 0 {
		t.Errorf("SIGINT: exit %d", code)
	}
}
