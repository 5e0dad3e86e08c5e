package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/storage"
)

// TestBenchTiming runs `bench timing` briefly, as the README's figures are
// made, and checks that it reports every figure the timing table needs and
// records each session's lateness. It asserts no figure's size: those
// depend on the machine (docs/timing.md).
func TestBenchTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("runs in real time")
	}
	dir := t.TempDir()
	out, errOut, code := fivechoice(t, dir, "bench", "timing", "--chambers", "4", "--duration", "7s", "--stagger", "0", "--db", "bench.db")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`process: (SCHED_FIFO priority 10|normal \(nice 0\)), scheduler thread: `),
		regexp.MustCompile(`transitions: +[1-9]\d* in 4 sessions`),
		regexp.MustCompile(`lateness: +p50 \d+ µs +p99 \d+ µs +p99\.9 \d+ µs +max \d+ µs`),
		regexp.MustCompile(`cpu: .*: [\d.]+% of one core`),
		regexp.MustCompile(`peak rss: +[\d.]+ MB`),
	} {
		if !want.MatchString(out) {
			t.Errorf("output lacks %v:\n%s", want, out)
		}
	}
	if strings.Contains(out, "normal (nice 0), scheduler") && !strings.Contains(errOut, "SCHED_FIFO priority 10") {
		t.Errorf("ran at normal priority without saying why: %q", errOut)
	}

	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ss, err := db.Sessions(ctx, storage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 4 {
		t.Fatalf("%d sessions stored, want 4", len(ss))
	}
	n := regexp.MustCompile(`transitions: +(\d+)`).FindStringSubmatch(out)
	total, _ := strconv.Atoi(n[1])
	stored := 0
	for _, s := range ss {
		if s.EndReason != "stopped" || len(s.Timing) == 0 {
			t.Errorf("session %s: ended %q, timing %s", s.ID, s.EndReason, s.Timing)
		}
		stored += timingCount(t, s.Timing)
	}
	if stored != total {
		t.Errorf("sessions store %d transitions, the bench counted %d", stored, total)
	}

	if _, errOut, code := fivechoice(t, dir, "bench", "timing", "--chambers", "0"); code == 0 || !strings.Contains(errOut, "--chambers") {
		t.Errorf("--chambers 0: exit %d, %q", code, errOut)
	}
}

// timingCount reads the transition count of a session's stored timing.
func timingCount(t *testing.T, raw []byte) int {
	t.Helper()
	var s struct {
		Count int `json:"count"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("timing %s: %v", raw, err)
	}
	return s.Count
}
