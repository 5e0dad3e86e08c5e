package analysis

import (
	"math"
	"testing"
)

// TestHolmReference: adjusted p-values computed by R's multtest package
// (mt.rawp2adjp, "Holm" column), as recorded in statsmodels' test suite
// (statsmodels/statsmodels, statsmodels/stats/tests/test_multi.py:
// pval0 with res_multtest1, res_multtest2 and res_multtest3, which
// statsmodels checks to 15 decimals). The first case is pval0 in its
// original, unsorted order, so the result must come back in input order.
func TestHolmReference(t *testing.T) {
	tests := []struct {
		name    string
		p, want []float64
	}{
		{
			"res_multtest1 (pval0, unsorted)",
			[]float64{0.838541367553, 0.642193923795, 0.680845947633, 0.967833824309, 0.71626938238,
				0.177096952723, 5.23656777208e-05, 0.0202732688798, 0.00028140506198, 0.0149877310796},
			[]float64{1, 1, 1, 1, 1,
				1, 5.2365677720800005e-04, 1.4191288215860001e-01, 2.5326455578199999e-03, 1.1990184863680001e-01},
		},
		{
			"res_multtest2 (all rejected)",
			[]float64{0.002, 0.004, 0.006, 0.008, 0.01, 0.012},
			[]float64{0.012, 0.02, 0.024, 0.024, 0.024, 0.024},
		},
		{
			"res_multtest3",
			[]float64{0.001, 0.002, 0.003, 0.004, 0.005, 0.05, 0.06, 0.07, 0.08, 0.09},
			[]float64{0.01, 0.018, 0.024, 0.028, 0.03, 0.25, 0.25, 0.25, 0.25, 0.25},
		},
	}
	for _, tt := range tests {
		checkHolm(t, tt.name, tt.p, tt.want, 1e-15)
	}
}

// TestHolmRules: the procedure's defining properties on small cases worked
// by hand from Holm (1979): multipliers m, m−1, ..., 1 in ascending order
// of p, then a running maximum, then a cap at 1.
func TestHolmRules(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		p, want []float64
	}{
		{"empty", nil, []float64{}},
		{"single p is unchanged", []float64{0.03}, []float64{0.03}},
		{"descending input", []float64{0.04, 0.001, 0.5}, []float64{0.08, 0.003, 0.5}},
		{"running maximum", []float64{0.01, 0.02, 0.03, 0.04, 0.05}, []float64{0.05, 0.08, 0.09, 0.09, 0.09}},
		{"cap at 1", []float64{0.9, 0.8}, []float64{1, 1}},
		{"ties", []float64{0.02, 0.02, 0.02}, []float64{0.06, 0.06, 0.06}},
		{"NaN left out of m", []float64{nan, 0.02, 0.01}, []float64{nan, 0.02, 0.02}},
		{"all NaN", []float64{nan, nan}, []float64{nan, nan}},
	}
	for _, tt := range tests {
		checkHolm(t, tt.name, tt.p, tt.want, 1e-15)
	}
	in := []float64{0.04, 0.001}
	Holm(in)
	if in[0] != 0.04 || in[1] != 0.001 {
		t.Errorf("Holm changed its input: %v", in)
	}
}

func checkHolm(t *testing.T, name string, p, want []float64, tol float64) {
	t.Helper()
	got := Holm(p)
	if len(got) != len(want) {
		t.Fatalf("%s: Holm(%v) = %v, want %v", name, p, got, want)
	}
	for i := range got {
		near(t, name, got[i], want[i], tol)
		if !math.IsNaN(got[i]) && got[i] < p[i] {
			t.Errorf("%s: adjusted p[%d] = %v below raw %v", name, i, got[i], p[i])
		}
	}
}
