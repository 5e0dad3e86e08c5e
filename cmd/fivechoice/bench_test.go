package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/storage"
)

// TestBenchSessions runs the throughput bench on a few sessions into a
// named file: it reports both rates, and the event count it prints is what
// the file holds.
func TestBenchSessions(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := fivechoice(t, dir, "bench", "sessions", "--n", "3", "--db", "b.db")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	db, err := storage.Open(context.Background(), filepath.Join(dir, "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	events, err := db.CountEvents(context.Background())
	if err != nil || events == 0 {
		t.Fatalf("%d events stored, %v", events, err)
	}
	for _, want := range []string{"without storage: 3 sessions in ", "with storage:    3 sessions in ", fmt.Sprintf("(%d events, ", events), "MB file, committed)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, errOut, code := fivechoice(t, dir, "bench", "sessions", "--n", "0"); code == 0 || !strings.Contains(errOut, "--n must be at least 1") {
		t.Errorf("--n 0: exit %d, %s", code, errOut)
	}
}

// TestBenchAPI runs the API load bench briefly: the real daemon as a
// child, its three phases measured from its own histogram and /proc, no
// request failing. (Its figures are in docs/timing.md; nothing here
// judges them, since a test cannot time on a shared machine.)
func TestBenchAPI(t *testing.T) {
	out, err := exec.Command(fivechoiceBin, "bench", "api", "--chambers", "8", "--clients", "4", "--phase", "3s").CombinedOutput()
	if err != nil {
		t.Fatalf("bench api: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"quiet ", "API load ", "quiet after "} {
		if !strings.Contains(text, "\n"+want) {
			t.Errorf("no %q phase:\n%s", want, text)
		}
	}
	if strings.Contains(text, "failed") {
		t.Errorf("requests failed:\n%s", text)
	}
	transitions := 0
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && (f[0] == "quiet" || f[0] == "API") {
			n, _ := strconv.Atoi(f[len(f)-10])
			transitions += n
		}
	}
	if transitions == 0 {
		t.Errorf("no transition measured in any phase:\n%s", text)
	}
}
