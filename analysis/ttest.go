package analysis

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/gonum/stat"
)

// A TTest is a paired t-test of b against a: is the mean of the
// differences b−a zero?
type TTest struct {
	N        int     // pairs
	MeanDiff float64 // mean of b − a
	SE       float64 // standard error of MeanDiff: SD(b − a)/√N
	T, DF, P float64 // t = MeanDiff/SE with N−1 df; two-sided p
	DZ       float64 // Cohen's d_z: MeanDiff over SD(b − a)
	PHolm    float64 // Holm-adjusted p within Compare's family; P on its own
	Status   Status  // Computed, or why T is not a number
	Reason   string  // for people, when Status is not Computed
}

// PairedT tests whether the paired differences b−a have mean zero, the
// test for one dose against vehicle in the same rats. The effect size is
// Cohen's d_z (mean difference over the SD of the differences), the one
// that goes with a paired test and with power analysis for the next study;
// it is not comparable with a between-groups d.
//
// a and b must have the same length, at least 2, and finite values. When
// every difference is the same, SD is 0: T and DZ are ±Inf with P 0
// (Status Infinite), or NaN when the differences are all zero (Status
// Undefined); Reason says which in words.
func PairedT(a, b []float64) (TTest, error) {
	if len(a) != len(b) {
		return TTest{}, fmt.Errorf("paired t-test: %d and %d values: %w", len(a), len(b), ErrShape)
	}
	n := len(a)
	if n < 2 {
		return TTest{}, fmt.Errorf("paired t-test: %d pairs: %w", n, ErrTooFew)
	}
	d := make([]float64, n)
	for i := range a {
		d[i] = b[i] - a[i]
		if math.IsNaN(d[i]) || math.IsInf(d[i], 0) {
			return TTest{}, fmt.Errorf("paired t-test: pair %d is (%v, %v): %w", i+1, a[i], b[i], ErrNotFinite)
		}
	}
	mean, sd := stat.MeanStdDev(d, nil)
	// Differences equal in exact arithmetic can come out a few ulps apart
	// (0.3 − 0.1 and 0.5 − 0.3); an SD at rounding level is none.
	var scale float64
	for i := range a {
		scale = math.Max(scale, math.Max(math.Abs(a[i]), math.Abs(b[i])))
	}
	if sd <= 1e-13*scale {
		sd = 0
		if math.Abs(mean) <= 1e-13*scale {
			mean = 0
		}
	}
	t := TTest{N: n, MeanDiff: mean, DF: float64(n - 1), SE: sd / math.Sqrt(float64(n))}
	switch {
	case sd == 0 && mean == 0:
		t.T, t.P, t.DZ, t.Status = math.NaN(), math.NaN(), math.NaN(), Undefined
		t.Reason = "every subject has the same value under both conditions (all differences are 0): nothing to test"
	case sd == 0:
		t.T, t.P, t.DZ, t.Status = math.Copysign(math.Inf(1), mean), 0, math.Copysign(math.Inf(1), mean), Infinite
		t.Reason = fmt.Sprintf("every subject's difference is the same (%s), so the SD of the differences is 0 and t is infinite (p = 0)",
			strconv.FormatFloat(mean, 'g', 4, 64))
	default:
		t.T = mean / t.SE
		t.DZ = mean / sd
		t.P = TTwoSided(t.T, t.DF)
	}
	t.PHolm = t.P
	return t, nil
}
