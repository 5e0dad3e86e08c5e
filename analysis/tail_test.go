package analysis

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// tailCase is one reference tail probability from testdata/tail_mpmath.json,
// computed by testdata/tail_mpmath.py with mpmath at 60 digits.
type tailCase struct {
	Kind   string  `json:"kind"` // "F" or "t"
	Stat   float64 `json:"stat"`
	D1, D2 float64
	P      float64 `json:"p"`
}

// TestTailAgainstMPMath: FSurvival and TTwoSided against 700 reference
// values from 0.99 down to 1e-200, F tests of 2 to 6 conditions and 2 to 48
// subjects (with and without a Greenhouse-Geisser ε) and paired t-tests of
// 1 to 47 df. The tolerance, 3e-14 relative, is what the inputs allow: the
// rounding of x = d2/(d2 + d1·f) alone moves p by up to d2/2 ulps. The
// test also records how far gonum's own functions are, which is why they
// are not used: distuv.F's Survival is 1 − CDF, and mathext.RegIncBeta
// reaches about 1e-13.
func TestTailAgainstMPMath(t *testing.T) {
	b, err := os.ReadFile("testdata/tail_mpmath.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []tailCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 700 {
		t.Fatalf("%d reference cases, want 700", len(cases))
	}
	var worst, worstCephes, worstDistuv, smallest float64
	smallest = 1
	for _, c := range cases {
		var got, cephes, dist float64
		if c.Kind == "F" {
			got = FSurvival(c.Stat, c.D1, c.D2)
			cephes = mathext.RegIncBeta(c.D2/2, c.D1/2, c.D2/(c.D2+c.D1*c.Stat))
			dist = distuv.F{D1: c.D1, D2: c.D2}.Survival(c.Stat)
		} else {
			got = TTwoSided(c.Stat, c.D1)
			cephes = mathext.RegIncBeta(c.D1/2, 0.5, c.D1/(c.D1+c.Stat*c.Stat))
			dist = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: c.D1}.Survival(math.Abs(c.Stat))
		}
		if c.P == 0 {
			if got != 0 {
				t.Errorf("%s %v on (%v, %v): p = %v, want underflow to 0", c.Kind, c.Stat, c.D1, c.D2, got)
			}
			continue
		}
		smallest = math.Min(smallest, c.P)
		rel := math.Abs(got-c.P) / c.P
		if rel > 3e-14 {
			t.Errorf("%s %v on (%v, %v): p = %.17g, want %.17g (relative error %.2g)", c.Kind, c.Stat, c.D1, c.D2, got, c.P, rel)
		}
		worst = math.Max(worst, rel)
		worstCephes = math.Max(worstCephes, math.Abs(cephes-c.P)/c.P)
		worstDistuv = math.Max(worstDistuv, math.Abs(dist-c.P)/c.P)
	}
	if smallest > 1e-150 {
		t.Errorf("the reference reaches only p = %g; the far tail is not covered", smallest)
	}
	t.Logf("largest relative error down to p = %.3g: %.2g here, %.2g mathext.RegIncBeta, %.2g distuv", smallest, worst, worstCephes, worstDistuv)
}

// TestTailSmallP: the example and the old failure. 1 − CDF gives
// 0 (or a multiple of 1.1e-16) for any p below about 1e-16; the direct
// tail gives the value, checked against mpmath (60 digits): I_x(22.5, 1.5)
// at x = 45/(45 + 3·200) is 5.044919636291410e-26.
func TestTailSmallP(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		{"F(3, 45) = 200", FSurvival(200, 3, 45), 5.044919636291409953938613488867078273541e-26},
		{"F(3, 45) = 250", FSurvival(250, 3, 45), 4.598336079191867015325471819973955034654e-28},
		{"F(3, 45) = 150", FSurvival(150, 3, 45), 1.925610774727684285180317782078986863809e-23},
	}
	for _, tt := range tests {
		if rel := math.Abs(tt.got-tt.want) / tt.want; rel > 1e-14 {
			t.Errorf("%s: p = %.17g, want %.17g", tt.name, tt.got, tt.want)
		}
	}
	t.Logf("for comparison, 1 − CDF (distuv.F.Survival) gives %g for F(3, 45) = 200", distuv.F{D1: 3, D2: 45}.Survival(200))
}

func TestTailEdges(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name      string
		got, want float64
	}{
		{"F = 0", FSurvival(0, 2, 10), 1},
		{"F < 0", FSurvival(-1, 2, 10), 1},
		{"F = +Inf", FSurvival(inf, 2, 10), 0},
		{"F NaN", FSurvival(nan, 2, 10), nan},
		{"d1 = 0", FSurvival(3, 0, 10), nan},
		{"d2 < 0", FSurvival(3, 2, -1), nan},
		{"t = 0", TTwoSided(0, 5), 1},
		{"t = −Inf", TTwoSided(-inf, 5), 0},
		{"t NaN", TTwoSided(nan, 5), nan},
		{"df = 0", TTwoSided(2, 0), nan},
		// Closed forms: F(2, d2) has P(F ≥ f) = (1 + 2f/d2)^(−d2/2); t with
		// 1 df is Cauchy, two-sided p = 1 − (2/π)·atan|t|; t with 2 df has
		// p = 1 − |t|/√(2 + t²).
		{"F(2, 10) closed form", FSurvival(3, 2, 10), math.Pow(1+2*3.0/10, -5)},
		{"t(1) closed form", TTwoSided(2.5, 1), 1 - 2/math.Pi*math.Atan(2.5)},
		{"t(2) closed form", TTwoSided(-1.5, 2), 1 - 1.5/math.Sqrt(2+1.5*1.5)},
	}
	for _, tt := range tests {
		near(t, tt.name, tt.got, tt.want, 1e-15)
	}
}
