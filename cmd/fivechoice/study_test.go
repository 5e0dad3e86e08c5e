package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBlindStudy: while a study is blind, nothing an operator sees names
// a condition; unblinding reveals the key and records who and when.
func TestBlindStudy(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		out, errOut, code := fivechoice(t, dir, append(args, "--db", "b.db")...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		return out + errOut
	}
	pass := writePassphrase(t, dir, testPassphrase)
	var seen strings.Builder
	seen.WriteString(run("study", "create", "BLIND1", "--subjects", "R01,R02,R03,R04", "--conditions", "vehicle,atx-0.3,atx-1.0,atx-3.0", "--new-subjects", "--seed", "11", "--blind", "--start", "2026-12-01", "--passphrase-file", pass))
	for _, s := range []string{"R01", "R02", "R03", "R04"} {
		seen.WriteString(run("study", "run", "BLIND1", "--simulated", "--subject", s, "--injected-ago", "30m", "--passphrase-file", pass))
	}
	seen.WriteString(run("study", "show", "BLIND1"))
	seen.WriteString(run("study", "list"))
	seen.WriteString(run("report", "--study", "BLIND1"))
	seen.WriteString(run("report", "--study", "BLIND1", "--format", "json"))
	seen.WriteString(run("report", "--study", "BLIND1", "--format", "csv"))
	seen.WriteString(run("export", "--what", "sessions", "--study", "BLIND1"))
	seen.WriteString(run("export", "--what", "trials", "--study", "BLIND1"))
	for _, name := range []string{"vehicle", "atx", "atomoxetine", "saline"} {
		if strings.Contains(seen.String(), name) {
			i := strings.Index(seen.String(), name)
			t.Errorf("an operator-facing output names %q while the study is blind: ...%s...", name, seen.String()[max(0, i-80):i+20])
		}
	}
	if !strings.Contains(seen.String(), "BLIND1/A") {
		t.Error("the codes are not shown")
	}
	if pairs := dumpPairs(t, filepath.Join(dir, "b.db"), "BLIND1/"); len(pairs) > 0 { // with four sessions run
		t.Errorf("the database's dump pairs a code with a condition while blind:\n%s", strings.Join(pairs, "\n"))
	}
	out := run("study", "unblind", "BLIND1", "--by", "Dr Jones", "--force", "--passphrase-file", pass)
	if !strings.Contains(out, "by Dr Jones") || !strings.Contains(out, "vehicle") || !strings.Contains(out, "atx-3.0") {
		t.Errorf("unblind output:\n%s", out)
	}
	if pairs := dumpPairs(t, filepath.Join(dir, "b.db"), "BLIND1/"); len(pairs) < 4 { // and the check sees a key in plain text
		t.Errorf("after unblinding the key is stored in plain text, but the dump shows %d pairs", len(pairs))
	}
	// From now on every output names the conditions, not the codes.
	if show := run("study", "show", "BLIND1"); !strings.Contains(show, "unblinded") || !strings.Contains(show, "Dr Jones") ||
		strings.Contains(show, "BLIND1/") || !strings.Contains(show, "conditions: vehicle, atx-0.3, atx-1.0, atx-3.0") {
		t.Errorf("show after unblinding:\n%s", show)
	}
	rep := run("report", "--study", "BLIND1")
	if !strings.Contains(rep, "conditions: vehicle, atx-0.3, atx-1.0, atx-3.0") {
		t.Errorf("report after unblinding does not name the conditions, vehicle first:\n%s", rep)
	}
	if exp := run("export", "--what", "sessions", "--study", "BLIND1"); !strings.Contains(exp, "vehicle") || strings.Contains(exp, "BLIND1/") {
		t.Errorf("export after unblinding still coded:\n%s", exp)
	}
}

func TestStudyRefusals(t *testing.T) {
	dir := t.TempDir()
	fivechoice(t, dir, "study", "create", "S1", "--subjects", "R01,R02", "--new-subjects", "--conditions", "vehicle,atx-1.0", "--seed", "1", "--db", "s.db")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"study", "create", "S1", "--subjects", "R01", "--conditions", "vehicle,atx-1.0"}, "already exists"},
		{[]string{"study", "create", "S2", "--subjects", "R01", "--conditions", "vehicle,atx-9"}, "condition atx-9: not found"},
		{[]string{"study", "create", "S3", "--subjects", "R01", "--conditions", "vehicle"}, "at least 2 conditions"},
		{[]string{"study", "create", "S4", "--subjects", "R01,R01", "--conditions", "vehicle,atx-1.0"}, "listed twice"},
		{[]string{"study", "create", "S5", "--subjects", "R01,R1O", "--conditions", "vehicle,atx-1.0"}, "--subjects: unknown subject R1O"},
		{[]string{"study", "run", "S1", "--subject", "R01"}, "pass --simulated to rehearse study S1"},
		{[]string{"study", "run", "S1", "--simulated", "--subject", "R09"}, "not in study S1"},
		{[]string{"study", "run", "S9", "--simulated", "--subject", "R01"}, "study S9: not found"},
		{[]string{"study", "unblind", "S1", "--by", "me"}, "not blind"},
		{[]string{"report", "--study", "S9"}, "study S9: not found"},
	}
	for _, tt := range tests {
		_, errOut, code := fivechoice(t, dir, append(tt.args, "--db", "s.db")...)
		if code == 0 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tt.args, code, errOut, tt.want)
		}
	}
	if out, _, _ := fivechoice(t, dir, "subject", "list", "--db", "s.db"); strings.Contains(out, "R1O") {
		t.Errorf("a refused study created subject R1O:\n%s", out)
	}
	// The washout: a second test day right after the first is refused.
	if _, e, code := fivechoice(t, dir, "study", "run", "S1", "--simulated", "--subject", "R01", "--injected-ago", "30m", "--db", "s.db"); code != 0 {
		t.Fatal(e)
	}
	_, errOut, code := fivechoice(t, dir, "study", "run", "S1", "--simulated", "--subject", "R01", "--injected-ago", "30m", "--db", "s.db")
	if code == 0 || !strings.Contains(errOut, "still inside the washout") {
		t.Errorf("second day inside the washout: exit %d %s", code, errOut)
	}
	// The pretreatment window: a session two hours after the injection warns.
	_, errOut, _ = fivechoice(t, dir, "study", "run", "S1", "--simulated", "--subject", "R02", "--injected-ago", "2h", "--db", "s.db")
	if !strings.Contains(errOut, "warning: the session starts 2h0m0s after the injection") {
		t.Errorf("no pretreatment warning: %s", errOut)
	}
}

func TestReportPlots(t *testing.T) {
	dir := t.TempDir()
	fivechoice(t, dir, "study", "create", "P1", "--subjects", "R01,R02,R03", "--new-subjects", "--conditions", "vehicle,atx-1.0,atx-3.0", "--seed", "2", "--db", "p.db")
	for _, s := range []string{"R01", "R02", "R03"} {
		fivechoice(t, dir, "study", "run", "P1", "--simulated", "--subject", s, "--db", "p.db")
	}
	out, errOut, code := fivechoice(t, dir, "report", "--study", "P1", "--db", "p.db", "--format", "json", "--plots", "figs",
		"--figure-formats", "svg,pdf", "--error-bars", "ci95", "--dose-axis", "log")
	if code != 0 {
		t.Fatal(errOut)
	}
	var rep struct {
		Missing  []string         `json:"missing"`
		Measures []map[string]any `json:"measures"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, out)
	}
	// One session per subject so far: every subject lacks two conditions,
	// and says so.
	if len(rep.Missing) != 6 || len(rep.Measures) != 9 {
		t.Errorf("missing %v, %d measures", rep.Missing, len(rep.Measures))
	}
	figs, _ := filepath.Glob(filepath.Join(dir, "figs", "*"))
	// One figure per measure and the multi-panel summary, each as SVG and PDF.
	if len(figs) != 20 || !slices.Contains(figs, filepath.Join(dir, "figs", "P1-summary.pdf")) {
		t.Errorf("%d figure files, want 10 SVG and 10 PDF: %v", len(figs), figs)
	}
	for _, f := range figs {
		if fi, err := os.Stat(f); err != nil || fi.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestStudyCreateWarnsUnbalanced: a number of rats that does not balance
// the Williams design is warned about, saying which sizes would; a
// multiple of the sequences is not.
func TestStudyCreateWarnsUnbalanced(t *testing.T) {
	dir := t.TempDir()
	_, errOut, code := fivechoice(t, dir, "study", "create", "U1", "--subjects", "R1,R2,R3,R4,R5,R6,R7,R8,R9,R10", "--new-subjects",
		"--conditions", "vehicle,atx-0.1,atx-0.3,atx-1.0", "--db", "u.db")
	if code != 0 || !strings.Contains(errOut, "10 subjects do not balance the Williams design") || !strings.Contains(errOut, "(8 or 12)") {
		t.Errorf("10 rats: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = fivechoice(t, dir, "study", "create", "U2", "--subjects", "R1,R2,R3,R4,R5,R6,R7,R8",
		"--conditions", "vehicle,atx-0.1,atx-0.3,atx-1.0", "--db", "u.db")
	if code != 0 || strings.Contains(errOut, "do not balance") {
		t.Errorf("8 rats: exit %d, stderr %q", code, errOut)
	}
}

// TestUnblindGuards: unblinding needs --by, and with test days left it
// needs --force too, and says how many remain.
func TestUnblindGuards(t *testing.T) {
	dir := t.TempDir()
	pass := writePassphrase(t, dir, testPassphrase)
	if _, e, code := fivechoice(t, dir, "study", "create", "B2", "--subjects", "R01,R02", "--new-subjects", "--conditions", "vehicle,atx-1.0", "--blind", "--db", "b.db", "--passphrase-file", pass); code != 0 {
		t.Fatal(e)
	}
	_, errOut, code := fivechoice(t, dir, "study", "unblind", "B2", "--db", "b.db")
	if code == 0 || !strings.Contains(errOut, "--by is required") {
		t.Errorf("without --by: exit %d, %q", code, errOut)
	}
	_, errOut, code = fivechoice(t, dir, "study", "unblind", "B2", "--by", "Dr Jones", "--db", "b.db")
	if code == 0 || !strings.Contains(errOut, "4 of 4 test days still to run") || !strings.Contains(errOut, "--force") {
		t.Errorf("days left: exit %d, %q", code, errOut)
	}
	out, errOut, code := fivechoice(t, dir, "study", "unblind", "B2", "--by", "Dr Jones", "--force", "--db", "b.db", "--passphrase-file", pass)
	if code != 0 || !strings.Contains(errOut, "warning: study B2 has 4 of 4") || !strings.Contains(out, "unblinded") {
		t.Errorf("--force: exit %d, %q, %q", code, errOut, out)
	}
}
