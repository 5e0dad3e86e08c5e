package analysis

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
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

// SD returns the sample standard deviation (n−1 denominator); NaN for
// fewer than two values.
func SD(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	return stat.StdDev(x, nil)
}

// CI95 returns the half-width of the 95 % confidence interval of the
// mean, t(0.975, n−1)·SEM: the mean ± CI95 covers the population mean in
// 95 % of samples if the values are normal. NaN for fewer than two values.
// With few rats it is much wider than the SEM (2.4 SEM at n = 8), which is
// why a figure must say which of the two its error bars show.
func CI95(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(x) - 1)}.Quantile(0.975)
	return q * SEM(x)
}
