package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSystemdNotify runs the daemon as systemd runs a Type=notify unit
// with WatchdogSec=: it says READY=1 once it serves, feeds the watchdog,
// and says STOPPING=1 on SIGTERM, ending its sessions (the shortest and the
// longest timers allowed among them) and exiting 0.
func TestSystemdNotify(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	msgs := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ln.Read(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	cmd := exec.Command(fivechoiceBin, "serve", "--config", e2eConfig(t, dir, 3, 1))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=200000")
	d := startDaemonCmd(t, cmd)
	expect := func(prefix string) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case m := <-msgs:
				if strings.HasPrefix(m, prefix) {
					return
				}
			case <-deadline:
				t.Fatalf("no %s from the daemon", prefix)
			}
		}
	}
	expect("READY=1")
	expect("WATCHDOG=1")
	expect("WATCHDOG=1")
	for i, params := range []string{
		`{"iti": "10ms", "stimulus_duration": "10ms", "limited_hold": "10ms", "timeout": "10ms", "initiation": "auto", "max_trials": 10000, "max_duration": "24h"}`,
		`{"iti": "10m", "limited_hold": "10m", "timeout": "10m", "max_duration": "24h"}`,
	} {
		ch := []string{"box1", "box2"}[i]
		if code := d.post("/api/v1/subjects", `{"id": "R-`+ch+`"}`, nil); code != 201 {
			t.Fatalf("add subject: %d", code)
		}
		if code := d.post("/api/v1/chambers/"+ch+"/sessions", `{"subject": "R-`+ch+`", "protocol": "baseline", "condition": "vehicle", "params": `+params+`}`, nil); code != 201 {
			t.Fatalf("start on %s: %d", ch, code)
		}
	}
	time.Sleep(time.Second)
	if code := d.signal(syscall.SIGTERM); code != 0 {
		t.Errorf("SIGTERM: exit %d\n%s", code, d.logs())
	}
	expect("STOPPING=1")
	if n := strings.Count(d.logs(), `"msg":"session ended"`); n != 2 || strings.Count(d.logs(), `"reason":"stopped"`) != 2 {
		t.Errorf("want both sessions ended as stopped:\n%s", d.logs())
	}
}
