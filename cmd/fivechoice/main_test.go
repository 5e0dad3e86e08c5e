package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// fivechoiceBin is the fivechoice command built once for the end-to-end tests,
// which run it as a user would.
var fivechoiceBin string

func TestMain(m *testing.M) {
	// The GPIO test VM has no Go toolchain: scripts/gpio-vm-test.sh builds
	// the command and names it here.
	if bin := os.Getenv("FIVECHOICE_BIN"); bin != "" {
		fivechoiceBin = bin
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "fivechoice-e2e")
	if err != nil {
		panic(err)
	}
	fivechoiceBin = filepath.Join(dir, "fivechoice")
	if out, err := exec.Command("go", "build", "-o", fivechoiceBin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func fivechoice(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return fivechoiceEnv(t, dir, nil, args...)
}

// fivechoiceEnv runs the binary with env added to the test's environment.
func fivechoiceEnv(t *testing.T, dir string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(fivechoiceBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func TestRunStoresASession(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := fivechoice(t, dir, "run", "--db", "lab.db", "--subject", "R07", "--new-subject", "--condition", "atx-1.0", "--protocol", "baseline", "--chamber", "sim", "--seed", "99")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"subject R07, condition atx-1.0, protocol baseline, seed 99", "max_trials", "accuracy %", "trials scored                         100"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(dir, "lab.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ss, err := db.Sessions(ctx, storage.Filter{Subject: "R07"})
	if err != nil || len(ss) != 1 {
		t.Fatalf("sessions %v %v", ss, err)
	}
	s := ss[0]
	if s.Condition != "atx-1.0" || s.Seed != 99 || s.Protocol != "baseline" || s.Version != version || s.Status != storage.StatusEnded {
		t.Errorf("session %+v", s)
	}
	sum, _ := db.Summary(ctx, s.ID)
	if sum.Counters.TrialsScored != 100 {
		t.Errorf("stored %d scored trials", sum.Counters.TrialsScored)
	}
	// The same seed gives the same session.
	out2, _, _ := fivechoice(t, dir, "run", "--db", "lab2.db", "--subject", "R07", "--new-subject", "--condition", "atx-1.0", "--seed", "99")
	cut := func(s string) string { return s[strings.Index(s, "trials scored"):] }
	if cut(out) != cut(out2) {
		t.Errorf("seed 99 twice gave different measures:\n%s\n%s", cut(out), cut(out2))
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--db", "x.db"}, "--subject is required"},
		{[]string{"run", "--db", "x.db", "--subject", "R1", "--protocol", "stage9"}, `unknown protocol "stage9"`},
		{[]string{"run", "--db", "x.db", "--subject", "R1", "--condition", "atx-9"}, "condition atx-9: not found"},
		{[]string{"run", "--db", "x.db", "--subject", "R1", "--params", `{"iti": "0s"}`}, "parameter iti: must be 10ms to 10m0s, got 0s"},
		{[]string{"run", "--db", "x.db", "--subject", "R1", "--params", `{"itx": "1s"}`}, `unknown parameter "itx"`},
		{[]string{"run", "--db", "x.db", "--subject", "R1", "--chamber", "box3"}, "simulated chambers only"},
		{[]string{"run", "--db", "x.db", "--subject", "R1"}, "unknown subject R1: add it with 'fivechoice subject add', or pass --new-subject"},
		{[]string{"rescore", "--db", "nothere.db"}, "database nothere.db: stat nothere.db: no such file"},
		{[]string{"export", "--db", "nothere.db"}, "database nothere.db: stat nothere.db: no such file"},
		{[]string{"report", "--db", "nothere.db", "--study", "S1"}, "database nothere.db: stat nothere.db: no such file"},
		{[]string{"merge", "--into", "m.db", "nothere.db"}, "database nothere.db: stat nothere.db: no such file"},
		{[]string{"subject", "list", "--db", "nothere.db"}, "database nothere.db: stat nothere.db: no such file"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		_, errOut, code := fivechoice(t, dir, tt.args...)
		if code == 0 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want failure mentioning %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestScenarioCommands(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join("..", "..", "testdata", "scenarios", "r10_correct_cuts_stimulus_pellet_waits.json")
	abs, _ := filepath.Abs(good)
	out, errOut, code := fivechoice(t, dir, "scenario", "run", abs)
	if code != 0 {
		t.Fatalf("scenario run: exit %d: %s", code, errOut)
	}
	var report struct {
		Name     string           `json:"name"`
		Trials   []map[string]any `json:"trials"`
		Counters map[string]int   `json:"counters"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil || report.Name == "" || len(report.Trials) == 0 {
		t.Fatalf("scenario run printed %q (%v)", out, err)
	}
	// A file whose expectation is wrong fails the check, with the difference.
	var f map[string]any
	b, _ := os.ReadFile(abs)
	json.Unmarshal(b, &f)
	f["expect"] = map[string]any{"counters": map[string]any{"correct": 42}}
	bad := filepath.Join(dir, "bad.json")
	b, _ = json.Marshal(f)
	os.WriteFile(bad, b, 0o644)
	out, _, code = fivechoice(t, dir, "scenario", "check", abs, bad)
	if code != 1 {
		t.Errorf("check with a failing file: exit %d, want 1", code)
	}
	if !strings.Contains(out, "PASS "+abs) || !strings.Contains(out, "FAIL "+bad) || !strings.Contains(out, "counters.correct: got") {
		t.Errorf("check output:\n%s", out)
	}
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte(`{"name": "b", "end_ms": 10, "actions": [{"t_ms": 1, "kind": "poke", "hole": 11}]}`), 0o644)
	out, _, code = fivechoice(t, dir, "scenario", "check", broken)
	if code != 1 || !strings.Contains(out, `FAIL `+broken+`: `+broken+`: "actions"[0]: hole 11 does not exist`) {
		t.Errorf("broken file: exit %d:\n%s", code, out)
	}
}

// TestRescoreAndTamper: rescoring reproduces a stored session from its
// events, and notices a stored attempt that no longer matches them.
func TestRescoreAndTamper(t *testing.T) {
	dir := t.TempDir()
	if _, e, code := fivechoice(t, dir, "run", "--db", "r.db", "--subject", "R1", "--new-subject", "--seed", "5"); code != 0 {
		t.Fatal(e)
	}
	out, _, code := fivechoice(t, dir, "rescore", "--db", "r.db")
	if code != 0 || !strings.Contains(out, "1 sessions rescored from their event logs, 0 differ") {
		t.Fatalf("rescore: exit %d\n%s", code, out)
	}
	tampered := storeTampered(t, filepath.Join(dir, "r.db"))
	out, _, code = fivechoice(t, dir, "rescore", "--db", "r.db")
	if code != 1 || !strings.Contains(out, "DIFFERS "+tampered+": attempt ") || !strings.Contains(out, "2 sessions rescored from their event logs, 1 differ") {
		t.Errorf("rescore after tampering: exit %d\n%s", code, out)
	}
}

// storeTampered stores a copy of the database's one session whose first
// omission is recorded as correct, as a recorder that lost track would,
// and returns the copy's id.
func storeTampered(t *testing.T, path string) string {
	t.Helper()
	ctx := context.Background()
	db, w := openWriter(t, path)
	ss, err := db.Sessions(ctx, storage.Filter{})
	if err != nil || len(ss) != 1 {
		t.Fatalf("sessions: %v, %v", ss, err)
	}
	s := ss[0]
	events, err := db.Events(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	attempts, err := db.Attempts(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.ID = ""
	log, err := w.BeginSession(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		log.Event(e)
	}
	tampered := false
	for _, a := range attempts {
		if a.Outcome == protocols.Omission && !tampered {
			a.Outcome, tampered = protocols.Correct, true
		}
		log.Attempt(a)
	}
	if !tampered {
		t.Fatal("the session has no omission to tamper with")
	}
	if err := log.End(s.Ended, s.EndReason, s.EndedAt, nil); err != nil {
		t.Fatal(err)
	}
	return log.ID()
}
