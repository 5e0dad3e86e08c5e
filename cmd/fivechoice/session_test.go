package main

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// TestExcludeSession: an excluded session stays stored, is flagged in the
// export, left out of the report with a note, and its test day is open
// again; reinstating undoes it; both are in the audit trail; bad requests
// are refused and change nothing.
func TestExcludeSession(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		out, errOut, code := fivechoice(t, dir, append(args, "--db", "x.db")...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	run("study", "create", "X1", "--subjects", "R01,R02", "--new-subjects", "--conditions", "vehicle,atx-1.0", "--seed", "2")
	if out := run("study", "run", "X1", "--simulated", "--subject", "R01"); !strings.Contains(out, "test day 1") {
		t.Fatalf("first run: %s", out)
	}
	sessions := func() [][]string {
		rows, err := csv.NewReader(strings.NewReader(run("export", "--what", "sessions"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	rows := sessions()
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	id := rows[1][col["session_id"]]
	if rows[1][col["excluded"]] != "0" {
		t.Fatalf("export before: %v", rows)
	}
	for _, bad := range [][]string{
		{"session", "exclude", id, "--by", "amy"},
		{"session", "exclude", id, "--why", "jam"},
		{"session", "reinstate", id, "--by", "amy", "--why", "x"},
		{"session", "exclude", "no-such-session", "--by", "amy", "--why", "x"},
	} {
		if _, _, code := fivechoice(t, dir, append(bad, "--db", "x.db")...); code == 0 {
			t.Errorf("%v accepted", bad)
		}
	}
	run("session", "exclude", id, "--by", "amy", "--why", "pellet dispenser jammed")
	if _, errOut, code := fivechoice(t, dir, "session", "exclude", id, "--by", "amy", "--why", "again", "--db", "x.db"); code == 0 || !strings.Contains(errOut, "already excluded") {
		t.Errorf("excluded twice: %d %q", code, errOut)
	}
	rows = sessions()
	if len(rows) != 2 || rows[1][col["excluded"]] != "1" || rows[1][col["excluded_why"]] != "pellet dispenser jammed" {
		t.Errorf("export after exclusion: %v", rows)
	}
	for _, what := range []string{"trials", "events"} { // every row of it flagged
		rows, _ := csv.NewReader(strings.NewReader(run("export", "--what", what))).ReadAll()
		for _, r := range rows[1:] {
			if !slices.Contains(rows[0], "excluded") || r[slices.Index(rows[0], "excluded")] != "1" {
				t.Fatalf("export --what %s after exclusion: %v %v, want excluded 1", what, rows[0], r)
			}
		}
	}
	if rep := run("report", "--study", "X1"); !strings.Contains(rep, "is excluded (amy: pellet dispenser jammed) and left out") {
		t.Errorf("report does not say so:\n%s", rep)
	}
	// The day is open again (the washout from that dose still holds).
	show := run("study", "show", "X1")
	if !strings.Contains(show, "is excluded: pellet dispenser jammed") || strings.Contains(show, "ended max_trials") {
		t.Errorf("study show after exclusion:\n%s", show)
	}
	run("session", "reinstate", id, "--by", "bob", "--why", "dispenser was fine")
	audit := run("session", "audit")
	if !strings.Contains(audit, "exclude") || !strings.Contains(audit, "reinstate") || !strings.Contains(audit, "dispenser was fine") {
		t.Errorf("audit:\n%s", audit)
	}
	if ex := run("session", "exclusions"); strings.Contains(ex, id) {
		t.Errorf("still listed as excluded:\n%s", ex)
	}
}

// TestConditionAddNeedsADose: a drug condition without --dose is refused
// (it was stored as 0 mg/kg for good); a vehicle takes none; an explicit
// dose is stored.
func TestConditionAddNeedsADose(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"condition", "add", "atx-y", "--drug", "atomoxetine"}, 1, "--dose is required for drug atomoxetine"},
		{[]string{"condition", "add", "veh-2", "--drug", "vehicle", "--dose", "1"}, 1, "takes no dose"},
		{[]string{"condition", "add", "atx-0.5", "--drug", "atomoxetine", "--dose", "0.5"}, 0, ""},
		{[]string{"condition", "add", "veh-2", "--drug", "vehicle"}, 0, ""},
	} {
		_, errOut, code := fivechoice(t, dir, append(tc.args, "--db", "c.db")...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d, %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	out, _, _ := fivechoice(t, dir, "condition", "list", "--db", "c.db")
	if !strings.Contains(out, "atx-0.5") || strings.Contains(out, "atx-y") {
		t.Errorf("conditions:\n%s", out)
	}
}

// TestWeightsAndNotes: body weights with the percentage of the
// free-feeding weight, a warning below 85 %, one a day, CSV; signed notes
// on subjects and sessions, unknown ones refused.
func TestWeightsAndNotes(t *testing.T) {
	dir := t.TempDir()
	fivechoice(t, dir, "subject", "add", "R01", "--db", "w.db")
	for _, tc := range []struct {
		args       []string
		code       int
		out, warns string
	}{
		{[]string{"subject", "weigh", "R01", "--grams", "380", "--free-feeding", "400", "--day", "2026-12-01", "--by", "amy"}, 0, "95.0% of free-feeding 400.0 g", ""},
		{[]string{"subject", "weigh", "R01", "--grams", "330", "--day", "2026-12-02", "--by", "amy"}, 0, "82.5%", "below 85%"},
		{[]string{"subject", "weigh", "R01", "--grams", "331", "--day", "2026-12-02", "--by", "amy"}, 1, "", "--correct --why TEXT replaces it"},
		{[]string{"subject", "weigh", "R01", "--grams", "33", "--day", "2026-12-04", "--by", "amy"}, 0, "8.2%", "a typo?"},
		{[]string{"subject", "weigh", "R01", "--grams", "329", "--day", "2026-12-04", "--by", "amy", "--correct"}, 1, "", "say why"},
		{[]string{"subject", "weigh", "R01", "--grams", "329", "--day", "2026-12-04", "--by", "amy", "--correct", "--why", "typed 33"}, 0, "329.0 g", ""},
		{[]string{"session", "audit"}, 0, `grams "33" -> "329"`, ""},
		{[]string{"subject", "weigh", "R01", "--grams", "329", "--day", "2026-12-05", "--by", "amy", "--correct", "--why", "x"}, 1, "", "no weight for 2026-12-05 to correct"},
		{[]string{"subject", "weigh", "R01", "--grams", "-3", "--day", "2026-12-03", "--by", "amy"}, 1, "", "grams"},
		{[]string{"subject", "weigh", "R01", "--grams", "300", "--day", "2026-12-03"}, 1, "", "who weighed is required"},
		{[]string{"subject", "weigh", "R1O", "--grams", "300", "--by", "amy"}, 1, "", "did you mean R01"},
		{[]string{"subject", "note", "R01", "--by", "amy", "--text", "sneezing"}, 0, "amy  sneezing", ""},
		{[]string{"subject", "note", "R01", "--by", "amy"}, 1, "", "required"},
		{[]string{"session", "note", "nope", "--by", "amy", "--text", "x"}, 1, "", "not found"},
	} {
		out, errOut, code := fivechoice(t, dir, append(tc.args, "--db", "w.db")...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.warns) {
			t.Errorf("%v: exit %d, %q, %q", tc.args, code, out, errOut)
		}
	}
	out, _, _ := fivechoice(t, dir, "subject", "weights", "--db", "w.db")
	if out != "subject,day,grams,free_feeding_grams,pct_free_feeding,by\nR01,2026-12-01,380,400,95,amy\nR01,2026-12-02,330,400,82.5,amy\nR01,2026-12-04,329,400,82.3,amy\n" {
		t.Errorf("weights CSV:\n%s", out)
	}
}
