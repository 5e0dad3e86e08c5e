package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/training"
)

// TestTrainingThroughTheDaemon trains naive virtual rats (serve
// --sim-naive: each subject's own learning rat) through the daemon's API
// and the train command, a session a round, the stage chosen by the
// daemon from each rat's state; then every stage change recorded is
// checked against the programme's criteria recomputed from the stored
// sessions, independently of the daemon's code.
func TestTrainingThroughTheDaemon(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(fivechoiceBin, "serve", "--listen", "127.0.0.1:0", "--sim-speed", "10000", "--sim-naive", "--sim-seed", "31")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FIVECHOICE_TOKEN="+e2eToken)
	d := startDaemonCmd(t, cmd)
	rats := []string{"R01", "R02", "R03", "R04"}
	for _, r := range rats {
		if code := d.post("/api/v1/subjects", `{"id":"`+r+`"}`, nil); code != http.StatusCreated {
			t.Fatalf("add %s: %d", r, code)
		}
		if code := d.post("/api/v1/training/"+r+"/enrol", `{"by":"ci"}`, nil); code != http.StatusCreated {
			t.Fatalf("enrol %s: %d", r, code)
		}
	}
	var refusal struct{ Error string }
	if code := d.post("/api/v1/training/R01/move", `{"stage":"stage9","by":"ci","why":"typo"}`, &refusal); code != http.StatusUnprocessableEntity || !strings.Contains(refusal.Error, "stage9") {
		t.Errorf("move to a stage that does not exist: %d %q", code, refusal.Error)
	}
	// Round 1 from the command line, the rest over the API.
	for i, r := range rats {
		server := d.url
		if i%2 == 1 {
			server = strings.TrimPrefix(server, "http://") // as the configuration's listen address is written
		}
		out, errOut, code := fivechoiceEnv(t, dir, []string{"FIVECHOICE_TOKEN=" + e2eToken}, "train", "run", r, "--chamber", fmt.Sprintf("box%d", i+1), "--server", server)
		if code != 0 || !strings.Contains(out, "with magazine") {
			t.Fatalf("train run %s: %d %s %s", r, code, out, errOut)
		}
	}
	d.waitIdle()
	if code := d.post("/api/v1/chambers/box1/training", `{"subject":"R01"}`, &refusal); code != http.StatusConflict || !strings.Contains(refusal.Error, "today") {
		t.Errorf("a second session the same day without again: %d %q", code, refusal.Error)
	}
	for round := 2; round <= 12; round++ {
		for i, r := range rats {
			if code := d.post(fmt.Sprintf("/api/v1/chambers/box%d/training", i+1), `{"subject":"`+r+`","again":true}`, nil); code != http.StatusCreated {
				t.Fatalf("round %d %s: %d", round, r, code)
			}
		}
		d.waitIdle()
	}
	var status []struct {
		Subject, Stage string
	}
	if code := d.get("/api/v1/training", &status); code != http.StatusOK || len(status) != len(rats) {
		t.Fatalf("training status: %d %+v", code, status)
	}
	if n := stageChangesCounted(t, d.url); n < float64(len(rats)) {
		t.Errorf("fivechoice_training_stage_changes_total{action=\"advance\"} = %v, want every rat's advance out of magazine training at least", n)
	}
	if code := d.signal(syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM: exit %d\n%s", code, d.logs())
	}
	db := filepath.Join(dir, "fivechoice.db")
	changes := checkStageChanges(t, db, rats)
	checkExportedChanges(t, dir, db)
	if changes < len(rats) {
		t.Errorf("%d stage changes in 12 sessions of %d naive rats: want every rat out of magazine training at least", changes, len(rats))
	}
	afterTraining(t, dir, db, rats)
}

// waitIdle waits until no chamber runs a session.
func (d *daemonProc) waitIdle() {
	d.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var ch struct{ Chambers []struct{ State string } }
		d.get("/api/v1/chambers", &ch)
		busy := false
		for _, c := range ch.Chambers {
			busy = busy || c.State == "running"
		}
		if !busy {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.t.Fatalf("sessions still running after 60s:\n%s", d.logs())
}

// checkStageChanges recomputes, for every rat, each decision the
// programme should have made at each session's end from the stored
// sessions alone, and compares it with the recorded history; it returns
// how many changes it checked.
func checkStageChanges(t *testing.T, path string, rats []string) int {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prog := training.Builtin()
	n := 0
	for _, r := range rats {
		hist, err := db.StageHistory(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		at := 0
		for i, h := range hist {
			if i+1 < len(hist) {
				n++
			}
			_, at, _ = prog.Stage(h.To)
			under, err := db.SessionsUnder(ctx, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			var seen []training.Session
			for _, s := range under {
				as, err := db.Attempts(ctx, s.ID)
				if err != nil {
					t.Fatal(err)
				}
				seen = append(seen, training.SessionOf(s.ID, s.EndReason, s.Params, as, 0))
				dec := prog.Decide(at, seen)
				if dec.Action == training.Advance && h.Action == training.Advance && h.From == h.To {
					dec.Action = training.Stay // a stable baseline stays stable until it falls back
				}
				recorded := i+1 < len(hist) && hist[i+1].Session == s.ID
				switch {
				case dec.Action == training.Stay && recorded:
					t.Errorf("%s: session %s met nothing, yet %+v was recorded", r, s.ID, hist[i+1])
				case dec.Action != training.Stay && (!recorded || hist[i+1].To != dec.To || hist[i+1].Reason != dec.Reason):
					t.Errorf("%s: after session %s the programme says %+v; recorded %+v", r, s.ID, dec, hist[i:])
				}
			}
		}
	}
	return n
}

// TestTrainingSurvivesKill9: the daemon is killed (SIGKILL) at random
// moments while training sessions run and end; after each restart every
// session that ended has exactly the stage change its end decided, and
// none is half-recorded (the end and the change commit together).
func TestTrainingSurvivesKill9(t *testing.T) {
	dir := t.TempDir()
	serve := func() *daemonProc {
		cmd := exec.Command(fivechoiceBin, "serve", "--listen", "127.0.0.1:0", "--sim-speed", "10000", "--sim-naive", "--sim-seed", "8", "--db", "fivechoice.db")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "FIVECHOICE_TOKEN="+e2eToken)
		return startDaemonCmd(t, cmd)
	}
	d := serve()
	rats := []string{"R01", "R02", "R03", "R04"}
	for _, r := range rats {
		d.post("/api/v1/subjects", `{"id":"`+r+`"}`, nil)
		if code := d.post("/api/v1/training/"+r+"/enrol", `{"by":"ci"}`, nil); code != http.StatusCreated {
			t.Fatalf("enrol %s: %d", r, code)
		}
	}
	for round := 1; round <= 10; round++ {
		for i, r := range rats {
			d.post(fmt.Sprintf("/api/v1/chambers/box%d/training", i+1), `{"subject":"`+r+`","again":true}`, nil)
		}
		if round%3 == 0 {
			time.Sleep(time.Duration(round*17%150) * time.Millisecond)
			if code := d.signal(syscall.SIGKILL); code != -int(syscall.SIGKILL) {
				t.Fatalf("kill -9: exit %d", code)
			}
			d = serve()
		}
		d.waitIdle()
	}
	d.signal(syscall.SIGTERM)
	checkStageChanges(t, filepath.Join(dir, "fivechoice.db"), rats)
	out, errOut, code := fivechoice(t, dir, "rescore", "--db", "fivechoice.db")
	if code != 0 {
		t.Errorf("rescore after kills: %d\n%s%s", code, out, errOut)
	}
}

// stageChangesCounted scrapes the daemon's advance count.
func stageChangesCounted(t *testing.T, url string) float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, `fivechoice_training_stage_changes_total{action="advance"} `); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return n
		}
	}
	t.Fatalf("no fivechoice_training_stage_changes_total in /metrics")
	return 0
}

// afterTraining runs the commands a lab runs on its training records: a
// study of rats without a stable baseline (warned, or refused), the
// learning curves, status, the table and a rat's history.
func afterTraining(t *testing.T, dir, db string, rats []string) {
	t.Helper()
	// Rats twelve sessions into training have no stable baseline yet: a
	// study warns of them, and with --require-baseline refuses them.
	out, errOut, code := fivechoice(t, dir, "study", "create", "S1", "--subjects", "R01,R02", "--conditions", "vehicle,atx-0.3", "--require-baseline", "--db", db)
	if code == 0 || !strings.Contains(errOut, "no stable baseline") || !strings.Contains(errOut, "R01 (at ") {
		t.Errorf("study create --require-baseline: %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = fivechoice(t, dir, "study", "create", "S1", "--subjects", "R01,R02", "--conditions", "vehicle,atx-0.3", "--db", db)
	if code != 0 || !strings.Contains(errOut, "warning: no stable baseline recorded for R01 (at ") {
		t.Errorf("study create: %d\n%s%s", code, out, errOut)
	}
	curvesDir := filepath.Join(dir, "curves")
	if out, errOut, code := fivechoice(t, dir, "train", "curves", "--out", curvesDir, "--dpi", "72", "--db", db); code != 0 || strings.Count(out, ".png") != len(rats) {
		t.Errorf("train curves: %d\n%s%s", code, out, errOut)
	}
	for _, args := range [][]string{{"train", "status"}, {"train", "table"}, {"train", "history", "R01"}} {
		out, errOut, code := fivechoice(t, dir, append(args, "--db", db)...)
		if code != 0 || !strings.Contains(out, "R01") && !strings.Contains(out, "magazine") {
			t.Errorf("%v: %d\n%s%s", args, code, out, errOut)
		}
	}
}
