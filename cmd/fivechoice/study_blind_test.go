package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/internal/testenv"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/study"
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
	if pairs := dumpPairs(t, filepath.Join(dir, "d.db"), "D1/"); len(pairs) > 0 {
		t.Errorf("the dump pairs a code with a condition:\n%s", strings.Join(pairs, "\n"))
	}
}

// dumpPairs reads the database with a technician's tool, the sqlite3
// shell's .dump, and returns its lines that name one of a study's codes
// (prefix "STUDY/") together with a real condition.
func dumpPairs(t *testing.T, db, prefix string) []string {
	t.Helper()
	sqlite := testenv.Command(t, "sqlite3", "sqlite3")
	dump, err := exec.Command(sqlite, db, ".dump").Output()
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for _, line := range strings.Split(string(dump), "\n") {
		if strings.Contains(line, prefix) && (strings.Contains(line, "'vehicle'") || strings.Contains(line, "'atx-")) {
			pairs = append(pairs, line)
		}
	}
	return pairs
}

// TestBlindCreateRefusals: a blind study is refused, storing nothing (not
// even its new subjects), without a passphrase, with a short one, or with
// conditions whose pretreatment times differ.
func TestBlindCreateRefusals(t *testing.T) {
	dir := t.TempDir()
	pass := writePassphrase(t, dir, testPassphrase)
	short := writePassphrase(t, t.TempDir(), "short")
	if _, e, code := fivechoice(t, dir, "condition", "add", "mph-1", "--drug", "methylphenidate", "--dose", "1", "--pretreatment", "10", "--db", "c.db"); code != 0 {
		t.Fatal(e)
	}
	create := []string{"study", "create", "C1", "--subjects", "R01,R02", "--new-subjects", "--blind", "--db", "c.db"}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--conditions", "vehicle,atx-1.0"}, "give --passphrase-file FILE, or run on a terminal"},
		{[]string{"--conditions", "vehicle,atx-1.0", "--passphrase-file", short}, "at least 10 characters"},
		{[]string{"--conditions", "vehicle,mph-1", "--passphrase-file", pass}, "differ in pretreatment time"},
	} {
		_, errOut, code := fivechoice(t, dir, append(create, tt.args...)...)
		if code == 0 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, %q; want %q", tt.args, code, errOut, tt.want)
		}
	}
	if out, _, _ := fivechoice(t, dir, "subject", "list", "--db", "c.db"); strings.Contains(out, "R01") {
		t.Errorf("a refused blind study recorded its subjects:\n%s", out)
	}
	if out, _, _ := fivechoice(t, dir, "study", "list", "--db", "c.db"); strings.Contains(out, "C1") {
		t.Errorf("a refused blind study was stored:\n%s", out)
	}
}

// TestSealOldKeyCommand: a blind study stored before keys were sealed is
// shown with a warning that its key is unsealed until 'study seal' seals
// it; then unblinding needs the passphrase.
func TestSealOldKeyCommand(t *testing.T) {
	dir := t.TempDir()
	pass := writePassphrase(t, dir, testPassphrase)
	ctx := context.Background()
	d, err := storage.Open(ctx, filepath.Join(dir, "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"R01", "R02"} {
		d.EnsureSubject(ctx, r)
	}
	p, _ := study.Design{Name: "OLD", Subjects: []string{"R01", "R02"}, Conditions: []string{"vehicle", "atx-1.0"}, Start: time.Now(),
		Washout: 48 * time.Hour, Seed: 5, Protocol: "baseline", Blind: true}.Plan()
	err = d.CreateStudy(ctx, p.Study, p.Days, p.Key) // as before migration 0009: the key in plain text
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, int) { return fivechoice(t, dir, append(args, "--db", "o.db")...) }
	if out, _, _ := run("study", "show", "OLD"); !strings.Contains(out, "key is UNSEALED") || !strings.Contains(out, "study seal OLD") {
		t.Errorf("show of an unsealed key:\n%s", out)
	}
	if out, _, _ := run("study", "list"); !strings.Contains(out, "key UNSEALED") {
		t.Errorf("list:\n%s", out)
	}
	if _, e, code := run("study", "seal", "OLD", "--by", "Dr Jones", "--passphrase-file", pass); code != 0 {
		t.Fatal(e)
	}
	if out, _, _ := run("study", "show", "OLD"); strings.Contains(out, "UNSEALED") || !strings.Contains(out, "the key is sealed") || !strings.Contains(out, "seed 0") {
		t.Errorf("show after sealing:\n%s", out)
	}
	if _, e, code := run("study", "unblind", "OLD", "--by", "Dr Jones", "--force"); code == 0 || !strings.Contains(e, "--passphrase-file") {
		t.Errorf("unblinding a sealed key without its passphrase: exit %d %s", code, e)
	}
	if out, e, code := run("study", "unblind", "OLD", "--by", "Dr Jones", "--force", "--passphrase-file", pass); code != 0 || !strings.Contains(out, "vehicle") {
		t.Errorf("unblind: exit %d %s%s", code, out, e)
	}
}
