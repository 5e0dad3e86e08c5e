package analysis

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

// Mean returns the arithmetic mean of x; NaN when x is empty, and NaN when
// any value is NaN (it propagates).
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return stat.Mean(x, nil)
}

// SEM returns the standard error of the mean: the sample standard deviation
// (n−1 denominator, the unbiased variance) over √n. Dose-response figures in
// behavioural pharmacology conventionally show mean ± SEM. NaN for fewer
// than two values, where the sample SD is undefined, and when any value is
// NaN.
func SEM(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	return stat.StdDev(x, nil) / math.Sqrt(float64(len(x)))
}
