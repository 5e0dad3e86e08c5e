package report

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/analysis"
)

func measure(r Report, key string) MeasureReport {
	for _, m := range r.Measures {
		if m.Key == key {
			return m
		}
	}
	panic("no measure " + key)
}

// TestBuild checks the per-condition figures against hand computation and
// that a subject missing a condition is reported and left out of the
// ANOVA, not silently dropped, while its other comparisons keep it.
func TestBuild(t *testing.T) {
	conds := []Condition{{ID: "vehicle", Drug: "saline", Dose: dose(0), Label: "vehicle"},
		{ID: "atx-0.3", Drug: "atomoxetine", Dose: dose(0.3), Label: "atx-0.3"},
		{ID: "atx-1.0", Drug: "atomoxetine", Dose: dose(1), Label: "atx-1.0"}}
	row := func(s, c string, prem float64) Row {
		return Row{Subject: s, Condition: c, Values: map[string]float64{"premature": prem}}
	}
	rows := []Row{
		row("R1", "vehicle", 10), row("R1", "atx-0.3", 8), row("R1", "atx-1.0", 6),
		row("R2", "vehicle", 14), row("R2", "atx-0.3", 13), row("R2", "atx-1.0", 9),
		row("R3", "vehicle", 8), row("R3", "atx-0.3", 8), row("R3", "atx-1.0", 5),
		row("R4", "vehicle", 12), row("R4", "atx-0.3", 9), // R4 missed its 1.0 day
		row("R1", "vehicle", 99), // a second completed session: the first counts
	}
	r := Build("S", conds, []string{"R1", "R2", "R3", "R4"}, rows, false)
	if !r.Interim() || len(r.Progress.Pending) != 1 || !strings.Contains(r.Progress.Pending[0].String(), "R4 (atx-1.0): not run yet") {
		t.Errorf("progress %+v", r.Progress)
	}
	prem := measure(r, "premature")
	// Vehicle: R1..R4 = 10, 14, 8, 12: mean 11, n 4. atx-1.0: 6, 9, 5: n 3.
	if c := prem.All[0]; c.N != 4 || c.Mean != 11 {
		t.Errorf("vehicle cell %+v", c)
	}
	if c := prem.All[2]; c.N != 3 || math.Abs(c.Mean-20.0/3) > 1e-12 || len(c.Lacking) != 1 || c.Lacking[0].Subject != "R4" {
		t.Errorf("atx-1.0 cell %+v", c)
	}
	// Complete cases: R1..R3; vehicle 10, 14, 8: mean 32/3.
	if c := prem.Complete[0]; c.N != 3 || math.Abs(c.Mean-32.0/3) > 1e-12 {
		t.Errorf("complete vehicle cell %+v", c)
	}
	a := prem.ANOVA
	if !a.Ran || a.Test.N != 3 || len(a.Dropped) != 1 || a.Dropped[0].Subject != "R4" || !strings.Contains(a.Dropped[0].Reason, "atx-1.0 not run yet") || !a.Interim {
		t.Errorf("ANOVA %+v", a)
	}
	// atx-0.3 vs vehicle uses all four rats: differences -2, -1, 0, -3.
	c03, c10 := prem.Comparisons[0], prem.Comparisons[1]
	if c03.Test.N != 4 || c03.Test.MeanDiff != -1.5 || len(c03.Dropped) != 0 {
		t.Errorf("atx-0.3 comparison %+v", c03)
	}
	// atx-1.0 vs vehicle: R1..R3, differences -4, -5, -3.
	if c10.Test.N != 3 || c10.Test.MeanDiff != -4 || len(c10.Dropped) != 1 {
		t.Errorf("atx-1.0 comparison %+v", c10)
	}
	// Holm over the two: the smaller p doubled, the larger kept (or raised).
	lo, hi := math.Min(c03.Test.P, c10.Test.P), math.Max(c03.Test.P, c10.Test.P)
	if got := math.Min(c03.Test.PHolm, c10.Test.PHolm); math.Abs(got-math.Min(1, 2*lo)) > 1e-15 {
		t.Errorf("Holm of the smaller p = %v, want %v", got, 2*lo)
	}
	if got := math.Max(c03.Test.PHolm, c10.Test.PHolm); math.Abs(got-math.Max(math.Min(1, 2*lo), hi)) > 1e-15 {
		t.Errorf("Holm of the larger p = %v", got)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "more than one") {
		t.Errorf("notes %v", r.Notes)
	}
	// A measure no session has: every test says why, in words.
	acc := measure(r, "accuracy_pct")
	if acc.ANOVA.Ran || acc.ANOVA.Status != analysis.Undefined || !strings.Contains(acc.ANOVA.Reason, "no rat has a value under every condition") {
		t.Errorf("accuracy ANOVA %+v", acc.ANOVA)
	}
	var md, js, cs bytes.Buffer
	if err := r.Markdown(&md); err != nil || !strings.Contains(md.String(), "| vs vehicle |") || !strings.Contains(md.String(), "Interim report") {
		t.Errorf("markdown: %v\n%s", err, md.String())
	}
	if err := r.JSON(&js); err != nil || !strings.Contains(js.String(), `"mean_diff": -4`) || !strings.Contains(js.String(), `"status": "interim"`) {
		t.Errorf("json: %v\n%s", err, js.String())
	}
	if err := r.CSV(&cs); err != nil || strings.Count(cs.String(), "\n") != 1+3*len(Measures) {
		t.Errorf("csv: %v\n%s", err, cs.String())
	}
}

func TestBlindedReportHasNoComparisons(t *testing.T) {
	conds := []Condition{{ID: "S/A", Label: "S/A"}, {ID: "S/B", Label: "S/B"}}
	var rows []Row
	for _, s := range []string{"R1", "R2", "R3"} {
		for i, c := range conds {
			rows = append(rows, Row{Subject: s, Condition: c.ID, Values: map[string]float64{"premature": float64(i*len(s) + len(rows))}})
		}
	}
	r := Build("S", conds, []string{"R1", "R2", "R3"}, rows, true)
	for _, m := range r.Measures {
		if len(m.Comparisons) != 0 {
			t.Errorf("%s compared with a reference while blind", m.Key)
		}
	}
	if gs := r.groups(); len(gs) != 1 || gs[0].drug != "" {
		t.Errorf("blinded groups %+v", gs)
	}
	var all bytes.Buffer
	r.Markdown(&all)
	r.JSON(&all)
	r.CSV(&all)
	r.WideCSV(&all)
	for _, word := range []string{"vehicle", "atx", "saline"} {
		if strings.Contains(all.String(), word) {
			t.Errorf("blinded output names %q", word)
		}
	}
}

// TestJSONStatuses: the JSON tells an infinite statistic ("infinite", p 0)
// from an undefined one (null, with the reason), and a finite p keeps its
// full precision however small.
func TestJSONStatuses(t *testing.T) {
	conds := atxConditions()[:2]
	var rows []Row
	for i, s := range []string{"R1", "R2", "R3", "R4"} {
		base := float64(10 + i)
		rows = append(rows,
			Row{s, "vehicle", map[string]float64{"premature": base, "perseverative": 5, "timeout_responses": base}},
			Row{s, "atx-0.1", map[string]float64{"premature": base - 3, "perseverative": 5, "timeout_responses": base + float64(i*i)}})
	}
	r := Build("S", conds, []string{"R1", "R2", "R3", "R4"}, rows, false)
	var js bytes.Buffer
	if err := r.JSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Status   string `json:"status"`
		Measures []struct {
			Key   string           `json:"key"`
			ANOVA map[string]any   `json:"anova"`
			Vs    []map[string]any `json:"vs_reference"`
		} `json:"measures"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Status != "final" {
		t.Errorf("status %q", doc.Status)
	}
	got := map[string]map[string]any{}
	for _, m := range doc.Measures {
		got[m.Key] = m.ANOVA
		got[m.Key+" vs"] = m.Vs[0]
	}
	// premature: every rat 3 lower: F infinite, p 0.
	if a := got["premature"]; a["status"] != "infinite" || a["f"] != "infinite" || a["p"] != 0.0 || a["reason"] == nil {
		t.Errorf("premature ANOVA %v", a)
	}
	if c := got["premature vs"]; c["status"] != "infinite" || c["t"] != "-infinite" || c["p"] != 0.0 {
		t.Errorf("premature comparison %v", c)
	}
	// perseverative: all 5: undefined, null, with the reason.
	if a := got["perseverative"]; a["status"] != "undefined" || a["f"] != nil || a["p"] != nil || !strings.Contains(a["reason"].(string), "every value is the same") {
		t.Errorf("perseverative ANOVA %v", a)
	}
	if c := got["perseverative vs"]; c["status"] != "undefined" || c["t"] != nil || c["p_holm"] != nil {
		t.Errorf("perseverative comparison %v", c)
	}
	// accuracy: no values at all.
	if a := got["accuracy_pct"]; a["status"] != "undefined" || !strings.Contains(a["reason"].(string), "no rat has") {
		t.Errorf("accuracy ANOVA %v", a)
	}
	if a := got["timeout_responses"]; a["status"] != "computed" {
		t.Errorf("timeout ANOVA %v", a)
	}
}
