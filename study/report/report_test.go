package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func dose(x float64) *float64 { return &x }

// TestBuild checks the per-condition figures against hand computation and
// that a subject missing a condition is reported and left out of the
// within-subject tests, not silently dropped.
func TestBuild(t *testing.T) {
	conds := []Condition{{ID: "vehicle", Drug: "vehicle", Dose: dose(0), Label: "vehicle"}, {ID: "atx-1.0", Drug: "atomoxetine", Dose: dose(1), Label: "atx-1.0"}}
	row := func(s, c string, prem float64) Row {
		v := map[string]float64{}
		for _, m := range Measures {
			v[m.Key] = math.NaN()
		}
		v["premature"] = prem
		return Row{Subject: s, Condition: c, Values: v}
	}
	rows := []Row{
		row("R1", "vehicle", 10), row("R1", "atx-1.0", 6),
		row("R2", "vehicle", 14), row("R2", "atx-1.0", 9),
		row("R3", "vehicle", 8), row("R3", "atx-1.0", 5),
		row("R4", "vehicle", 12), // R4 missed its drug day
		row("R1", "vehicle", 99), // a second completed session: the first counts
	}
	r := Build("S", conds, []string{"R1", "R2", "R3", "R4"}, rows, false)
	if len(r.Missing) != 1 || !strings.Contains(r.Missing[0], "R4") || !strings.Contains(r.Missing[0], "atx-1.0") {
		t.Errorf("missing = %v", r.Missing)
	}
	var prem MeasureReport
	for _, m := range r.Measures {
		if m.Key == "premature" {
			prem = m
		}
	}
	// Vehicle: R1..R4 = 10, 14, 8, 12: mean 11, n 4. Drug: 6, 9, 5: n 3.
	if c := prem.Cells[0]; c.N != 4 || c.Mean != 11 {
		t.Errorf("vehicle cell %+v", c)
	}
	if c := prem.Cells[1]; c.N != 3 || math.Abs(c.Mean-20.0/3) > 1e-12 {
		t.Errorf("drug cell %+v", c)
	}
	if prem.Complete != 3 || len(prem.Excluded) != 1 || !strings.Contains(prem.Excluded[0], "R4") {
		t.Errorf("complete %d, excluded %v", prem.Complete, prem.Excluded)
	}
	// The paired differences are -4, -5, -3: mean -4.
	if len(prem.Comparisons) != 1 || prem.Comparisons[0].MeanDiff != -4 {
		t.Errorf("comparisons %+v", prem.Comparisons)
	}
	if prem.ANOVA == nil || prem.ANOVA.N != 3 {
		t.Errorf("ANOVA %+v", prem.ANOVA)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "more than one") {
		t.Errorf("notes %v", r.Notes)
	}
	var md, js, cs bytes.Buffer
	if err := r.Markdown(&md); err != nil || !strings.Contains(md.String(), "| vs vehicle |") {
		t.Errorf("markdown: %v\n%s", err, md.String())
	}
	if err := r.JSON(&js); err != nil || !strings.Contains(js.String(), `"mean_diff": -4`) {
		t.Errorf("json: %v\n%s", err, js.String())
	}
	if err := r.CSV(&cs); err != nil || strings.Count(cs.String(), "\n") != 1+2*len(Measures) {
		t.Errorf("csv: %v\n%s", err, cs.String())
	}
}

func TestBlindedReportHasNoComparisons(t *testing.T) {
	conds := []Condition{{ID: "S/A", Label: "S/A"}, {ID: "S/B", Label: "S/B"}}
	var rows []Row
	for _, s := range []string{"R1", "R2", "R3"} {
		for i, c := range conds {
			rows = append(rows, Row{Subject: s, Condition: c.ID, Values: map[string]float64{"premature": float64(i + len(s))}})
		}
	}
	r := Build("S", conds, []string{"R1", "R2", "R3"}, rows, true)
	for _, m := range r.Measures {
		if len(m.Comparisons) != 0 {
			t.Errorf("%s compared with a reference while blind", m.Key)
		}
	}
	if xl, _ := r.axis(); xl != "condition" {
		t.Errorf("blinded axis %q", xl)
	}
}
