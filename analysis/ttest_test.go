package analysis

import (
	"errors"
	"math"
	"testing"
)

// TestPairedTPublished checks PairedT against published R output. R's
// t.test(x, y, paired = TRUE) tests x − y; PairedT(a, b) tests b − a, so
// each case passes R's y as a and R's x as b. Tolerances are half a unit in
// the last printed digit.
func TestPairedTPublished(t *testing.T) {
	tests := []struct {
		name        string
		a, b        []float64
		t, tTol, df float64
		p, pTol     float64
		mean, mTol  float64
	}{
		{
			// Student's sleep data, R datasets::sleep (values from the
			// Rdatasets copy, vincentarelbundock/Rdatasets
			// csv/datasets/sleep.csv); R's documented example
			// t.test(extra ~ group, data = sleep, paired = TRUE) as printed
			// in Meys & de Vries, "R For Dummies" (dummies.com, "How to
			// Compare Paired Data with R"): t = -4.0621, df = 9,
			// p-value = 0.002833, mean of the differences -1.58.
			name: "sleep",
			a:    []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4},
			b:    []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0},
			t:    -4.0621, tTol: 5e-5, df: 9,
			p: 0.002833, pTol: 5e-7,
			mean: -1.58, mTol: 1e-12,
		},
		{
			// Pre- and postmenstrual energy intake of 11 women, ISwR::intake;
			// Dalgaard, "Introductory Statistics with R" (2nd ed. 2008),
			// sec. 4.6 p. 91, which prints post − pre for all 11 women
			// (-1350 -1250 -1755 -1020 -745 -1835 -1540 -1540 -725 -1330
			// -1435) and t.test(pre, post, paired=T): t = 11.9414, df = 10,
			// p-value = 3.059e-07, mean of the differences 1320.455.
			name: "intake",
			a:    []float64{3910, 4220, 3885, 5160, 5645, 4680, 5265, 5975, 6790, 6900, 7335},
			b:    []float64{5260, 5470, 5640, 6180, 6390, 6515, 6805, 7515, 7515, 8230, 8770},
			t:    11.9414, tTol: 5e-5, df: 10,
			p: 3.059e-07, pTol: 5e-11,
			mean: 1320.455, mTol: 5e-4,
		},
		{
			// tidystat.com, "Paired t-test in R (2 Examples)": Exam1 and
			// Exam2 of 6 students, t.test(Exam1, Exam2, paired = TRUE):
			// t = -2.2361, df = 5, p-value = 0.07559, mean -7.5.
			name: "exams",
			a:    []float64{75, 71, 90, 98, 65, 99},
			b:    []float64{65, 70, 75, 80, 68, 95},
			t:    -2.2361, tTol: 5e-5, df: 5,
			p: 0.07559, pTol: 5e-6,
			mean: -7.5, mTol: 1e-12,
		},
	}
	for _, tt := range tests {
		r, err := PairedT(tt.a, tt.b)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		near(t, tt.name+": t", r.T, tt.t, tt.tTol)
		near(t, tt.name+": df", r.DF, tt.df, 0)
		near(t, tt.name+": p", r.P, tt.p, tt.pTol)
		near(t, tt.name+": mean difference", r.MeanDiff, tt.mean, tt.mTol)
		near(t, tt.name+": d_z = t/√n", r.DZ, r.T/math.Sqrt(float64(r.N)), 1e-12)
		near(t, tt.name+": PHolm alone", r.PHolm, r.P, 0)
	}
}

// TestPairedTBushtucker: JASP's paired post-hoc tests of Field's data
// (jasp-stats/jasp-desktop, JASP-Tests/R/tests/testthat/
// test-anovarepeatedmeasures.R at commit 02a37ffc7b6b, "Field - Chapter 8
// results match", post hoc table with unpooled errors): mean difference,
// SE, t and Cohen's d (= d_z) in full precision. The table prints
// Bonferroni p = 6p where below 1, which gives p for the first two.
func TestPairedTBushtucker(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name           string
		x, y           int // JASP's x − y; PairedT(y, x)
		mean, se, t, d float64
		p              float64
	}{
		{"stick − kangaroo", 0, 1, 3.875, 0.811469126250126, 4.77528950227193, 1.68831979459271, 0.0121396972553231 / 6},
		{"stick − fish", 0, 2, 4, 0.7319250547114, 5.46504040851179, 1.93218356615859, 0.00564485983507568 / 6},
		{"stick − grub", 0, 3, 2.375, 1.79222029098785, 1.32517191772833, 0.468519024631843, nan},
		{"kangaroo − fish", 1, 2, 0.125, 1.20174723988509, 0.104015217053423, 0.0367749326625332, nan},
		{"kangaroo − grub", 1, 3, -1.5, 1.33630620956212, -1.12249721603218, -0.396862696659689, nan},
		{"fish − grub", 2, 3, -1.625, 1.82186619392628, -0.891942561653216, -0.315349316886945, nan},
	}
	for _, tt := range tests {
		r, err := PairedT(column(bushtucker, tt.y), column(bushtucker, tt.x))
		if err != nil {
			t.Fatal(err)
		}
		near(t, tt.name+": mean", r.MeanDiff, tt.mean, 1e-12)
		near(t, tt.name+": SE", r.SE, tt.se, 1e-9)
		near(t, tt.name+": t", r.T, tt.t, 1e-9)
		near(t, tt.name+": d_z", r.DZ, tt.d, 1e-9)
		if !math.IsNaN(tt.p) {
			near(t, tt.name+": p", r.P, tt.p, 1e-12)
		}
	}
}

func TestPairedTEdgeCases(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name    string
		a, b    []float64
		want    error
		t, p, d float64
	}{
		{"length mismatch", []float64{1, 2}, []float64{1}, ErrShape, 0, 0, 0},
		{"one pair", []float64{1}, []float64{2}, ErrTooFew, 0, 0, 0},
		{"no pairs", nil, nil, ErrTooFew, 0, 0, 0},
		{"NaN", []float64{1, nan}, []float64{2, 3}, ErrNotFinite, 0, 0, 0},
		{"Inf", []float64{1, 2}, []float64{inf, 3}, ErrNotFinite, 0, 0, 0},
		{"constant positive difference", []float64{1, 2, 3}, []float64{2, 3, 4}, nil, inf, 0, inf},
		{"constant negative difference", []float64{2, 3, 4}, []float64{1, 2, 3}, nil, -inf, 0, -inf},
		{"no difference", []float64{1, 2, 3}, []float64{1, 2, 3}, nil, nan, nan, nan},
		{"equal differences up to rounding", []float64{0.1, 0.3, 0.7}, []float64{0.3, 0.5, 0.9}, nil, inf, 0, inf},
	}
	for _, tt := range tests {
		r, err := PairedT(tt.a, tt.b)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
			continue
		}
		if err != nil {
			continue
		}
		near(t, tt.name+": t", r.T, tt.t, 0)
		near(t, tt.name+": p", r.P, tt.p, 0)
		near(t, tt.name+": d_z", r.DZ, tt.d, 0)
		want := Computed
		switch {
		case math.IsNaN(tt.t):
			want = Undefined
		case math.IsInf(tt.t, 0):
			want = Infinite
		}
		if r.Status != want || (want != Computed) != (r.Reason != "") {
			t.Errorf("%s: status %v, reason %q; want %v with a reason", tt.name, r.Status, r.Reason, want)
		}
	}
}
