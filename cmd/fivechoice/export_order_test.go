package main

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/internal/testenv"
)

// readCSV reads an exported file as rows of named fields.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("%s: %d rows, %v", path, len(rows), err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestExportConditionOrder: every row of a study's export carries its
// condition's place in the study (vehicle 1, then the study's order, not
// the alphabet's); a blind study's rows leave it empty until unblinding;
// pandas keeps the study's order with it.
func TestExportConditionOrder(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		if _, errOut, code := fivechoice(t, dir, append(args, "--db", "x.db")...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	order := map[string]string{"vehicle": "1", "atx-1.0": "2", "atx-0.3": "3"}
	pass := writePassphrase(t, dir, testPassphrase)
	for _, study := range []string{"OPEN", "BLIND"} {
		args := []string{"study", "create", study, "--subjects", "R01,R02,R03", "--new-subjects", "--conditions", "vehicle,atx-1.0,atx-0.3", "--seed", "5", "--washout", "0s"}
		var key []string
		if study == "BLIND" {
			key = []string{"--passphrase-file", pass}
			args = append(append(args, "--blind"), key...)
		}
		run(args...)
		for _, s := range []string{"R01", "R02", "R03"} {
			run(append([]string{"study", "run", study, "--simulated", "--subject", s}, key...)...)
			if s == "R02" { // two test days: every condition is in the export
				run(append([]string{"study", "run", study, "--simulated", "--subject", s}, key...)...)
			}
		}
	}
	check := func(study, what string, blind bool) {
		t.Helper()
		out := filepath.Join(dir, study+"-"+what+".csv")
		run("export", "--what", what, "--study", study, "--out", out)
		for _, r := range readCSV(t, out) {
			want := order[r["condition"]]
			if blind {
				want = ""
			}
			if r["condition_order"] != want {
				t.Fatalf("%s %s: condition %s has condition_order %q, want %q", study, what, r["condition"], r["condition_order"], want)
			}
		}
	}
	for _, what := range []string{"sessions", "trials", "events"} {
		check("OPEN", what, false)
		check("BLIND", what, true)
	}
	run("study", "unblind", "BLIND", "--by", "Dr Jones", "--force", "--passphrase-file", pass)
	run("study", "run", "BLIND", "--simulated", "--subject", "R03") // recorded under its real condition now
	check("BLIND", "sessions", false)
	check("BLIND", "trials", false)

	python := pandasPython(t)
	script := `import pandas as pd, sys
df = pd.read_csv(sys.argv[1])
levels = df.sort_values("condition_order")["condition"].unique()
df["condition"] = pd.Categorical(df["condition"], categories=levels, ordered=True)
print(",".join(df["condition"].cat.categories))`
	out, err := exec.Command(python, "-c", script, filepath.Join(dir, "OPEN-sessions.csv")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "vehicle,atx-1.0,atx-0.3" {
		t.Errorf("pandas categories: %q, %v; want vehicle,atx-1.0,atx-0.3", out, err)
	}
}

// pandasPython finds a python3 with pandas: Debian's first (a pyenv
// python3 ahead of it on PATH may lack it).
func pandasPython(t *testing.T) string {
	t.Helper()
	var err error
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err = exec.Command(py, "-c", "import pandas").Run(); err == nil {
			return py
		}
	}
	testenv.Missing(t, "python3 with pandas (Debian package python3-pandas)", err)
	return ""
}
