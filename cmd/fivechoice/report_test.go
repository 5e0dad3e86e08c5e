package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

// TestReportFormatsAndTransforms: the report command writes the wide CSV
// (one row per rat, a column per measure x condition) and the long one,
// applies the transforms asked for and says so in the JSON, and refuses
// an unknown format, transform or figure option by name.
func TestReportFormatsAndTransforms(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, code := fivechoice(t, dir, "simulate", "study", "--db", "r.db", "--subjects", "5",
		"--conditions", "vehicle,atx-0.3,atx-1.0", "--seed", "8", "--name", "W1"); code != 0 {
		t.Fatal(errOut)
	}
	report := func(args ...string) string {
		t.Helper()
		out, errOut, code := fivechoice(t, dir, append([]string{"report", "--db", "r.db", "--study", "W1"}, args...)...)
		if code != 0 {
			t.Fatalf("report %v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	wide, err := csv.NewReader(strings.NewReader(report("--format", "wide"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(wide) != 6 || wide[0][0] != "subject" || wide[0][1] != "accuracy_pct_vehicle" || len(wide[0]) != 1+9*3 {
		t.Errorf("wide CSV: %d rows, header %v", len(wide), wide[0])
	}
	long, err := csv.NewReader(strings.NewReader(report("--format", "long"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(long) != 1+5*3*9 || long[0][4] != "value" {
		t.Errorf("long CSV: %d rows, header %v", len(long), long[0])
	}
	var rep struct {
		Measures []struct {
			Key   string `json:"key"`
			ANOVA struct {
				Transform string `json:"transform"`
			} `json:"anova"`
		} `json:"measures"`
	}
	if err := json.Unmarshal([]byte(report("--format", "json", "--transform", "premature=sqrt,accuracy_pct=arcsine")), &rep); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"premature": "sqrt", "accuracy_pct": "arcsine", "omissions_pct": "none"}
	for _, m := range rep.Measures {
		if w, ok := want[m.Key]; ok && m.ANOVA.Transform != w {
			t.Errorf("%s: ANOVA transform %q, want %q", m.Key, m.ANOVA.Transform, w)
		}
	}
	for _, bad := range []struct{ args []string }{
		{[]string{"--format", "xlsx"}},
		{[]string{"--transform", "premature=arcsine"}},
		{[]string{"--error-bars", "sd"}},
		{[]string{"--dpi", "150"}},
	} {
		_, errOut, code := fivechoice(t, dir, append([]string{"report", "--db", "r.db", "--study", "W1"}, bad.args...)...)
		if code == 0 || !strings.Contains(errOut, strings.TrimPrefix(bad.args[1], "premature=")) {
			t.Errorf("report %v: exit %d, %q does not name the bad value", bad.args, code, errOut)
		}
	}
}
