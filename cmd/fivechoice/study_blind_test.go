package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/internal/testenv"
)

// testPassphrase is the passphrase of the tests' blind studies.
const testPassphrase = "correct horse battery staple"

// writePassphrase writes phrase to a passphrase file readable by its
// owner alone in dir, and returns its path.
func writePassphrase(t *testing.T, dir, phrase string) string {
	t.Helper()
	f := filepath.Join(dir, "passphrase-"+filepath.Base(t.Name()))
	if err := os.WriteFile(f, []byte(phrase+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestDosingSheetCommand: the preparer's sheet from the command line, as
// text and CSV, with a rat without a weight said so; refusals that change
// nothing (wrong passphrase, a passphrase file others can read, no
// passphrase at all, no --by); and a technician's sqlite3 shell finds no
// line of the database's dump that pairs a code with its condition.
func TestDosingSheetCommand(t *testing.T) {
	dir := t.TempDir()
	pass := writePassphrase(t, dir, testPassphrase)
	run := func(args ...string) string {
		t.Helper()
		out, errOut, code := fivechoice(t, dir, append(args, "--db", "d.db")...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	run("study", "create", "D1", "--subjects", "R01,R02,R03", "--new-subjects", "--conditions", "vehicle,atx-1.0,atx-3.0", "--blind",
		"--start", "2026-12-01", "--passphrase-file", pass)
	run("subject", "weigh", "R01", "--grams", "350", "--day", "2026-11-30", "--by", "Ann")
	run("subject", "weigh", "R02", "--grams", "412", "--day", "2026-11-30", "--by", "Ann")
	text := run("study", "dosing-sheet", "D1", "--day", "1", "--by", "Ann", "--passphrase-file", pass)
	for _, want := range []string{"study D1, test day 1 (planned 2026-12-01)", "0.350", "0.412", "R03", "no weight recorded", "FOR THE PREPARER ONLY"} {
		if !strings.Contains(text, want) {
			t.Errorf("the sheet lacks %q:\n%s", want, text)
		}
	}
	table := run("study", "dosing-sheet", "D1", "--day", "3", "--by", "Ann", "--format", "csv", "--volume-ml-per-kg", "2", "--passphrase-file", pass)
	if !strings.HasPrefix(table, "study,day,planned_date,subject,code,drug,dose_mg_per_kg") || !strings.Contains(table, ",0.700,") ||
		!strings.Contains(table, "2026-12-05") || !strings.Contains(table, "no weight recorded") {
		t.Errorf("csv:\n%s", table)
	}
	loose := filepath.Join(dir, "loose")
	os.WriteFile(loose, []byte(testPassphrase), 0o644)
	wrong := writePassphrase(t, t.TempDir(), "not the passphrase at all")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"study", "unblind", "D1", "--by", "Dr Jones", "--force", "--passphrase-file", wrong}, "wrong passphrase"},
		{[]string{"study", "dosing-sheet", "D1", "--day", "1", "--by", "Ann", "--passphrase-file", wrong}, "wrong passphrase"},
		{[]string{"study", "dosing-sheet", "D1", "--day", "1", "--by", "Ann", "--passphrase-file", loose}, "readable by others (mode 0644)"},
		{[]string{"study", "unblind", "D1", "--by", "Dr Jones", "--force"}, "give --passphrase-file FILE, or run on a terminal"},
		{[]string{"study", "dosing-sheet", "D1", "--day", "1", "--passphrase-file", pass}, "--by is required"},
		{[]string{"study", "seal", "D1", "--by", "Ann", "--passphrase-file", pass}, "key sealed"},
	} {
		_, errOut, code := fivechoice(t, dir, append(tt.args, "--db", "d.db")...)
		if code == 0 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, %q; want %q", tt.args, code, errOut, tt.want)
		}
	}
	if show := run("study", "show", "D1"); !strings.Contains(show, "the key is sealed") || strings.Contains(show, "vehicle") {
		t.Errorf("after the refusals the study is not blind and sealed:\n%s", show)
	}
	sqlite := testenv.Command(t, "sqlite3", "sqlite3")
	dump, err := exec.Command(sqlite, filepath.Join(dir, "d.db"), ".dump").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(dump), "\n") {
		if strings.Contains(line, "D1/") && (strings.Contains(line, "'vehicle'") || strings.Contains(line, "'atx-")) {
			t.Errorf("the dump pairs a code with a condition: %s", line)
		}
	}
}
