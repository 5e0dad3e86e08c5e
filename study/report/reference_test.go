package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/analysis"
)

// The report's statistics are checked against statsmodels and scipy
// (testdata/reference.py) on seeded random studies: 3 to 6 conditions, 5
// to 48 rats, missing cells, ties and rats with equal values, large
// effects with p far below 1e-16, transformed counts and percentages, and
// datasets built to make a test infinite or undefined.
//
// TestAgainstStatsmodels runs Python when it is there (Debian's
// /usr/bin/python3 with python3-scipy, python3-statsmodels and
// python3-pandas); under CI=true a missing Python is a failure.
// TestStatsmodelsGolden checks the same comparison on stored datasets and
// results (testdata/statsmodels_golden.json, written by
// `go test -run TestAgainstStatsmodels -update-golden`), so it runs
// everywhere.

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/statsmodels_golden.json from statsmodels")

// refDataset is one study's values of one measure, [subject][condition],
// null where the cell is missing.
type refDataset struct {
	ID        string       `json:"id"`
	Measure   string       `json:"measure"`
	Transform string       `json:"transform"`
	Subjects  []string     `json:"subjects"`
	Values    [][]*float64 `json:"values"`
}

// refNum is a number from Python: a number, "inf", "-inf", or null (NaN).
type refNum float64

func (x *refNum) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		*x = refNum(math.NaN())
	case `"inf"`:
		*x = refNum(math.Inf(1))
	case `"-inf"`:
		*x = refNum(math.Inf(-1))
	default:
		var f float64
		if err := json.Unmarshal(b, &f); err != nil {
			return err
		}
		*x = refNum(f)
	}
	return nil
}

type refResult struct {
	ID       string   `json:"id"`
	Complete []string `json:"complete"`
	ANOVA    *struct {
		F, DF1, DF2, P refNum
		Eps            refNum `json:"gg_epsilon"`
		PGG            refNum `json:"gg_p"`
	} `json:"anova"`
	Tests []struct {
		N        int
		T, DF, P refNum
		PHolm    refNum `json:"p_holm"`
	} `json:"vs_reference"`
}

// refStudies makes n seeded datasets. Scenarios rotate so that every run
// has each kind: plain, integer counts with ties (sqrt-transformed or
// not), a large effect (tiny p), percentages (arcsine), missing cells,
// and degenerate comparisons (a condition equal to vehicle for every rat,
// or a constant difference).
func refStudies(seed uint64, n int) []refDataset {
	rng := rand.New(rand.NewPCG(seed, 15))
	var out []refDataset
	for s := range n {
		k, rats := 3+rng.IntN(4), 5+rng.IntN(44)
		d := refDataset{ID: fmt.Sprintf("seed %d study %d (scenario %d, %d conditions, %d rats)", seed, s, s%6, k, rats),
			Measure: "premature", Transform: "none"}
		effect := make([]float64, k)
		for j := 1; j < k; j++ {
			effect[j] = rng.NormFloat64()
		}
		if s%6 == 2 {
			for j := 1; j < k; j++ {
				effect[j] = 4 + 3*float64(j) // p far below 1e-16
			}
		}
		for i := range rats {
			d.Subjects = append(d.Subjects, fmt.Sprintf("R%02d", i+1))
			base := 10 + 3*rng.NormFloat64()
			row := make([]*float64, k)
			for j := range k {
				v := refValue(rng, s%6, base, effect[j])
				if s%6 == 4 && i%5 == 1 {
					v = 7 // a rat with the same value under every condition
				}
				row[j] = &v
			}
			if s%6 == 5 && rats > 6 {
				for j := range k {
					if rng.Float64() < 0.12 {
						row[j] = nil
					}
				}
			}
			d.Values = append(d.Values, row)
		}
		switch s % 6 {
		case 1:
			d.Transform = []string{"none", "sqrt"}[s/6%2]
		case 3:
			d.Measure, d.Transform = "accuracy_pct", "arcsine"
		case 4: // condition 1 equal to vehicle; condition 2 vehicle + 3
			for _, row := range d.Values {
				a, b := *row[0], *row[0]+3
				row[1], row[2] = &a, &b
			}
		}
		out = append(out, d)
	}
	return out
}

func refValue(rng *rand.Rand, scenario int, base, effect float64) float64 {
	switch scenario {
	case 1, 4: // counts: integers, many ties
		return math.Max(0, math.Round(base/2+2*effect+rng.NormFloat64()*2))
	case 3: // percentages, one decimal
		return math.Min(100, math.Max(0, math.Round((80+3*effect+rng.NormFloat64()*6)*10)/10))
	case 2:
		return base + effect + rng.NormFloat64()*0.3
	}
	return base + effect + rng.NormFloat64()*2
}

// refReport computes fivechoice's report of a dataset.
func refReport(d refDataset) MeasureReport {
	in := Input{Study: "ref"}
	for j := range d.Values[0] {
		in.Conditions = append(in.Conditions, Condition{ID: fmt.Sprintf("c%d", j), Label: fmt.Sprintf("c%d", j)})
	}
	in.Subjects = d.Subjects
	for i, row := range d.Values {
		for j, v := range row {
			if v != nil {
				in.Sessions = append(in.Sessions, Session{ID: fmt.Sprint(i, j), Subject: d.Subjects[i], Condition: in.Conditions[j].ID,
					State: Completed, Values: map[string]float64{d.Measure: *v}})
			}
		}
	}
	tr, _ := analysis.ParseTransform(d.Transform)
	r := Compute(in, Options{Transforms: map[string]analysis.Transform{d.Measure: tr}})
	return measure(r, d.Measure)
}

// python finds Debian's python3 with scipy, statsmodels and pandas.
func python(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(py, "-c", "import scipy, statsmodels, pandas").Run(); err == nil {
			return py
		}
	}
	const why = "python3 with scipy, statsmodels and pandas not found (apt-get install python3-scipy python3-statsmodels python3-pandas)"
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
	return ""
}

func runReference(t *testing.T, py string, data []refDataset) []refResult {
	t.Helper()
	in, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "testdata/reference.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference.py: %v\n%s", err, stderr.String())
	}
	var res []refResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("reference.py output: %v", err)
	}
	if len(res) != len(data) {
		t.Fatalf("%d results for %d datasets", len(res), len(data))
	}
	return res
}

func TestAgainstStatsmodels(t *testing.T) {
	t.Parallel()
	py := python(t)
	var data []refDataset
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		data = append(data, refStudies(seed, 24)...)
	}
	res := runReference(t, py, data)
	var s compareStats
	for i, d := range data {
		s.compare(t, d, refReport(d), res[i])
	}
	t.Logf("%d datasets: %d ANOVAs and %d paired t-tests compared, %d infinite or undefined results matched; largest relative difference %.2g; smallest p compared %.3g",
		len(data), s.anovas, s.tests, s.degenerate, s.worst, s.smallest)
	if s.smallest > 1e-30 {
		t.Errorf("no p below 1e-30 among the datasets: the far tail is not checked")
	}
	if *updateGolden {
		var keep []refDataset
		for _, d := range data {
			if len(d.Subjects) <= 20 || strings.Contains(d.ID, "scenario 2") {
				keep = append(keep, d)
			}
			if len(keep) == 24 {
				break
			}
		}
		b, err := json.MarshalIndent(map[string]any{"datasets": keep, "results": rawResults(t, py, keep)}, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/statsmodels_golden.json", b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// rawResults is reference.py's output as it came, for the golden file.
func rawResults(t *testing.T, py string, data []refDataset) json.RawMessage {
	in, _ := json.Marshal(data)
	cmd := exec.Command(py, "testdata/reference.py")
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStatsmodelsGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/statsmodels_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Datasets []refDataset `json:"datasets"`
		Results  []refResult  `json:"results"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Datasets) < 20 || len(g.Datasets) != len(g.Results) {
		t.Fatalf("%d datasets, %d results", len(g.Datasets), len(g.Results))
	}
	var s compareStats
	for i, d := range g.Datasets {
		s.compare(t, d, refReport(d), g.Results[i])
	}
	if s.smallest > 1e-30 || s.degenerate == 0 {
		t.Errorf("smallest p in the golden file %g, %d degenerate results: the far tail or the degenerate cases are not checked", s.smallest, s.degenerate)
	}
}
