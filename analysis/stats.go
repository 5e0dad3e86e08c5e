// Package analysis holds the statistics of a within-subject drug study:
// descriptives, the one-way repeated-measures ANOVA with sphericity
// corrections, paired t-tests and the Holm correction for multiple
// comparisons. Pure functions over plain matrices, so they can be checked
// against published worked examples.
package analysis

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Mean returns the arithmetic mean, NaN for no values.
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return stat.Mean(x, nil)
}

// SEM is the standard error of the mean: the sample standard deviation
// (n−1 denominator) over √n; NaN for fewer than two values.
func SEM(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	return stat.StdDev(x, nil) / math.Sqrt(float64(len(x)))
}

// An ANOVA is a one-way repeated-measures analysis of variance with
// condition as the within-subject factor.
type ANOVA struct {
	N, K          int     // subjects (complete cases) and conditions
	SSConditions  float64 // between conditions
	SSSubjects    float64 // between subjects
	SSError       float64 // condition × subject residual
	DF1, DF2      float64 // k−1 and (n−1)(k−1)
	F, P          float64
	EpsilonGG     float64 // Greenhouse-Geisser
	PGG           float64 // p with both df multiplied by EpsilonGG
	EpsilonHF     float64 // Huynh-Feldt (capped at 1)
	PHF           float64
}

// ErrTooFew is returned when there is not enough data for a test.
var ErrTooFew = errors.New("too few complete cases")

// RepeatedMeasures runs the ANOVA on data[subject][condition]; every row
// must be complete (the same length, no NaN).
func RepeatedMeasures(data [][]float64) (ANOVA, error) {
	n := len(data)
	if n < 2 {
		return ANOVA{}, fmt.Errorf("repeated-measures ANOVA: %d subjects: %w", n, ErrTooFew)
	}
	k := len(data[0])
	if k < 2 {
		return ANOVA{}, fmt.Errorf("repeated-measures ANOVA: %d conditions: %w", k, ErrTooFew)
	}
	var grand float64
	condMean := make([]float64, k)
	subjMean := make([]float64, n)
	for i, row := range data {
		if len(row) != k {
			return ANOVA{}, fmt.Errorf("repeated-measures ANOVA: subject %d has %d values, want %d", i+1, len(row), k)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return ANOVA{}, fmt.Errorf("repeated-measures ANOVA: subject %d condition %d is not a number", i+1, j+1)
			}
			grand += v
			condMean[j] += v / float64(n)
			subjMean[i] += v / float64(k)
		}
	}
	grand /= float64(n * k)
	a := ANOVA{N: n, K: k, DF1: float64(k - 1), DF2: float64((n - 1) * (k - 1))}
	var total float64
	for i, row := range data {
		for _, v := range row {
			total += (v - grand) * (v - grand)
		}
		a.SSSubjects += float64(k) * (subjMean[i] - grand) * (subjMean[i] - grand)
	}
	for _, m := range condMean {
		a.SSConditions += float64(n) * (m - grand) * (m - grand)
	}
	a.SSError = total - a.SSConditions - a.SSSubjects
	if a.SSError <= 0 {
		// Every subject's profile is the same: no error variance to test
		// against.
		a.F, a.P = math.Inf(1), 0
		if a.SSConditions == 0 {
			a.F, a.P = math.NaN(), math.NaN()
		}
		a.EpsilonGG, a.PGG, a.EpsilonHF, a.PHF = math.NaN(), a.P, math.NaN(), a.P
		return a, nil
	}
	a.F = (a.SSConditions / a.DF1) / (a.SSError / a.DF2)
	a.P = fSurvival(a.F, a.DF1, a.DF2)
	a.EpsilonGG = greenhouseGeisser(data, condMean)
	a.PGG = fSurvival(a.F, a.DF1*a.EpsilonGG, a.DF2*a.EpsilonGG)
	nf, kf := float64(n), float64(k)
	a.EpsilonHF = math.Min(1, (nf*(kf-1)*a.EpsilonGG-2)/((kf-1)*(nf-1-(kf-1)*a.EpsilonGG)))
	if a.EpsilonHF < a.EpsilonGG || math.IsNaN(a.EpsilonHF) {
		a.EpsilonHF = a.EpsilonGG
	}
	a.PHF = fSurvival(a.F, a.DF1*a.EpsilonHF, a.DF2*a.EpsilonHF)
	return a, nil
}

// greenhouseGeisser estimates sphericity from the double-centred sample
// covariance matrix S* of the conditions: ε = (tr S*)² / ((k−1) tr(S*²)),
// between 1/(k−1) and 1 (Greenhouse & Geisser 1959).
func greenhouseGeisser(data [][]float64, condMean []float64) float64 {
	n, k := len(data), len(condMean)
	cov := make([][]float64, k)
	for a := range cov {
		cov[a] = make([]float64, k)
		for b := range cov[a] {
			var s float64
			for _, row := range data {
				s += (row[a] - condMean[a]) * (row[b] - condMean[b])
			}
			cov[a][b] = s / float64(n-1)
		}
	}
	rowMean := make([]float64, k)
	var all float64
	for a := range cov {
		for b := range cov[a] {
			rowMean[a] += cov[a][b] / float64(k)
			all += cov[a][b] / float64(k*k)
		}
	}
	var trace, sumSq float64
	for a := range cov {
		for b := range cov[a] {
			c := cov[a][b] - rowMean[a] - rowMean[b] + all
			sumSq += c * c
			if a == b {
				trace += c
			}
		}
	}
	if sumSq == 0 {
		return 1
	}
	eps := trace * trace / (float64(k-1) * sumSq)
	return math.Max(1/float64(k-1), math.Min(1, eps))
}

// fSurvival is P(F ≥ f) for an F distribution.
func fSurvival(f, d1, d2 float64) float64 {
	if math.IsNaN(f) {
		return math.NaN()
	}
	return distuv.F{D1: d1, D2: d2}.Survival(f)
}

// A TTest is a paired t-test of b against a.
type TTest struct {
	N        int
	MeanDiff float64 // mean of b − a
	T, DF, P float64 // two-sided p
	DZ       float64 // Cohen's d_z: mean difference over its SD
	PHolm    float64 // Holm-adjusted p, set by Compare
}

// PairedT tests whether the paired differences b−a have mean zero.
func PairedT(a, b []float64) (TTest, error) {
	if len(a) != len(b) {
		return TTest{}, fmt.Errorf("paired t-test: %d and %d values", len(a), len(b))
	}
	n := len(a)
	if n < 2 {
		return TTest{}, fmt.Errorf("paired t-test: %d pairs: %w", n, ErrTooFew)
	}
	d := make([]float64, n)
	for i := range a {
		d[i] = b[i] - a[i]
	}
	mean, sd := stat.MeanStdDev(d, nil)
	t := TTest{N: n, MeanDiff: mean, DF: float64(n - 1)}
	if sd == 0 {
		t.T, t.P, t.DZ = math.NaN(), math.NaN(), math.NaN()
		if mean != 0 {
			t.T, t.P = math.Copysign(math.Inf(1), mean), 0
		}
		return t, nil
	}
	t.T = mean / (sd / math.Sqrt(float64(n)))
	t.DZ = mean / sd
	t.P = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: t.DF}.Survival(math.Abs(t.T))
	return t, nil
}

// Holm adjusts p-values for multiple comparisons (Holm 1979): the i-th
// smallest of m is multiplied by m−i+1, made monotone and capped at 1.
// NaN values are left out of m and stay NaN.
func Holm(p []float64) []float64 {
	idx := make([]int, 0, len(p))
	for i, v := range p {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	out := make([]float64, len(p))
	for i := range out {
		out[i] = math.NaN()
	}
	m := len(idx)
	running := 0.0
	for r, i := range idx {
		adj := math.Min(1, float64(m-r)*p[i])
		running = math.Max(running, adj)
		out[i] = running
	}
	return out
}

// Compare tests every other column of data[subject][condition] against
// column 0 (the reference, vehicle) by paired t-tests, Holm-adjusted across
// the comparisons.
func Compare(data [][]float64) ([]TTest, error) {
	if len(data) == 0 {
		return nil, ErrTooFew
	}
	k := len(data[0])
	col := func(j int) []float64 {
		c := make([]float64, len(data))
		for i, row := range data {
			c[i] = row[j]
		}
		return c
	}
	ref := col(0)
	var tests []TTest
	var ps []float64
	for j := 1; j < k; j++ {
		t, err := PairedT(ref, col(j))
		if err != nil {
			return nil, err
		}
		tests = append(tests, t)
		ps = append(ps, t.P)
	}
	for i, p := range Holm(ps) {
		tests[i].PHolm = p
	}
	return tests, nil
}
