package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
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
}

// PairedT tests whether the paired differences b−a have mean zero, the
// test for one dose against vehicle in the same rats. The effect size is
// Cohen's d_z (mean difference over the SD of the differences), the one
// that goes with a paired test and with power analysis for the next study;
// it is not comparable with a between-groups d.
//
// a and b must have the same length, at least 2, and finite values. When
// every difference is the same, SD is 0: T and DZ are ±Inf with P 0, or
// NaN when the differences are all zero.
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
	t := TTest{N: n, MeanDiff: mean, DF: float64(n - 1), SE: sd / math.Sqrt(float64(n))}
	switch {
	case sd == 0 && mean == 0:
		t.T, t.P, t.DZ = math.NaN(), math.NaN(), math.NaN()
	case sd == 0:
		t.T, t.P, t.DZ = math.Copysign(math.Inf(1), mean), 0, math.Copysign(math.Inf(1), mean)
	default:
		t.T = mean / t.SE
		t.DZ = mean / sd
		t.P = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: t.DF}.Survival(math.Abs(t.T))
	}
	t.PHolm = t.P
	return t, nil
}
