package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimulateStudy runs a whole simulated study through the real runner
// and storage: the report shows atomoxetine's fall in premature responses,
// and the same seed gives the same database, record for record.
func TestSimulateStudy(t *testing.T) {
	dir := t.TempDir()
	var dumps []string
	for _, db := range []string{"a.db", "b.db"} {
		out, errOut, code := fivechoice(t, dir, "simulate", "study", "--db", db, "--subjects", "8", "--conditions", "vehicle,atx-0.3,atx-1.0", "--seed", "31")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "## Premature responses") || !strings.Contains(out, "| vs vehicle |") || !strings.Contains(errOut, "24 sessions") {
			t.Fatalf("report:\n%s\n%s", out, errOut)
		}
		if _, err := exec.LookPath("sqlite3"); err != nil {
			continue
		}
		dump, err := exec.Command("sqlite3", filepath.Join(dir, db), ".dump").Output()
		if err != nil {
			t.Fatal(err)
		}
		var keep []string
		for _, l := range strings.Split(string(dump), "\n") {
			if !strings.Contains(l, "schema_migrations") { // when the schema was made
				keep = append(keep, l)
			}
		}
		dumps = append(dumps, strings.Join(keep, "\n"))
	}
	if len(dumps) == 2 && dumps[0] != dumps[1] {
		t.Error("the same seed gave different database contents")
	}
	_, errOut, code := fivechoice(t, dir, "simulate", "study", "--db", "c.db", "--phenotype", "medium")
	if code == 0 || !strings.Contains(errOut, "--phenotype") {
		t.Errorf("unknown phenotype: exit %d %s", code, errOut)
	}
}
