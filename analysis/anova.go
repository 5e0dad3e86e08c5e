package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// An ANOVA is a one-way repeated-measures analysis of variance with
// condition as the within-subject factor: the total sum of squares is split
// into conditions, subjects and the condition × subject residual, and
// conditions are tested against that residual.
type ANOVA struct {
	N, K         int     // subjects (complete cases) and conditions
	SSConditions float64 // between conditions
	SSSubjects   float64 // between subjects
	SSError      float64 // condition × subject residual
	DF1, DF2     float64 // k−1 and (n−1)(k−1)
	F, P         float64 // F = (SSConditions/DF1) / (SSError/DF2); P = P(F ≥ f)
	EpsilonGG    float64 // Greenhouse-Geisser ε, in [1/(k−1), 1]
	PGG          float64 // p with both df multiplied by EpsilonGG
	EpsilonHF    float64 // Huynh-Feldt ε, in [EpsilonGG, 1]
	PHF          float64 // p with both df multiplied by EpsilonHF
	Status       Status  // Computed, or why F is not a number
	Reason       string  // for people, when Status is not Computed
}

// RepeatedMeasures runs the ANOVA on data[subject][condition]. Every row
// must be complete: the same length, at least two subjects and two
// conditions, no NaN or infinity.
//
// The F test assumes sphericity (equal variances of all pairwise
// differences between conditions). Doses of a drug seldom satisfy it, so
// the Greenhouse-Geisser and Huynh-Feldt corrections are computed as well;
// report PGG unless there is reason to do otherwise.
//
// When there is no residual variance (every subject has the same profile
// up to a constant) F is +Inf and P is 0 (Status Infinite), or both are
// NaN if the conditions do not differ either (Status Undefined); the
// epsilons are then NaN and PGG and PHF equal P. Reason says which, in
// words a report can print.
func RepeatedMeasures(data [][]float64) (ANOVA, error) {
	n, k, err := checkMatrix(data)
	if err != nil {
		return ANOVA{}, fmt.Errorf("repeated-measures ANOVA: %w", err)
	}
	x := mat.NewDense(n, k, nil)
	for i, row := range data {
		x.SetRow(i, row)
	}
	condMean := make([]float64, k)
	for j := range condMean {
		condMean[j] = stat.Mean(mat.Col(nil, j, x), nil)
	}
	subjMean := make([]float64, n)
	for i, row := range data {
		subjMean[i] = stat.Mean(row, nil)
	}
	grand := stat.Mean(condMean, nil)

	a := ANOVA{N: n, K: k, DF1: float64(k - 1), DF2: float64((n - 1) * (k - 1))}
	var total float64
	for i, row := range data {
		for j, v := range row {
			total += (v - grand) * (v - grand)
			r := v - subjMean[i] - condMean[j] + grand
			a.SSError += r * r
		}
		a.SSSubjects += float64(k) * (subjMean[i] - grand) * (subjMean[i] - grand)
	}
	for _, m := range condMean {
		a.SSConditions += float64(n) * (m - grand) * (m - grand)
	}
	// Residuals computed as above are exact zeros only in exact
	// arithmetic; treat anything at rounding level as none.
	if a.SSError <= 1e-12*total {
		a.degenerate(total)
		return a, nil
	}
	a.F = (a.SSConditions / a.DF1) / (a.SSError / a.DF2)
	a.P = FSurvival(a.F, a.DF1, a.DF2)
	a.EpsilonGG = greenhouseGeisser(x)
	a.PGG = FSurvival(a.F, a.DF1*a.EpsilonGG, a.DF2*a.EpsilonGG)
	a.EpsilonHF = huynhFeldt(a.EpsilonGG, n, k)
	a.PHF = FSurvival(a.F, a.DF1*a.EpsilonHF, a.DF2*a.EpsilonHF)
	return a, nil
}

// degenerate fills in an ANOVA without residual variance: F is infinite
// when the conditions differ, undefined when they do not.
func (a *ANOVA) degenerate(total float64) {
	switch {
	case total == 0:
		a.F, a.P, a.Status = math.NaN(), math.NaN(), Undefined
		a.Reason = "every value is the same, so there is no variation to test"
	case a.SSConditions <= 1e-12*total:
		a.F, a.P, a.Status = math.NaN(), math.NaN(), Undefined
		a.Reason = "each subject has the same value under every condition (subjects differ only from one another), so there is neither an effect nor an error term: F is 0/0"
	default:
		a.F, a.P, a.Status = math.Inf(1), 0, Infinite
		a.Reason = "every subject's values differ between conditions by exactly the same amounts, so the error term is 0 and F is infinite (p = 0)"
	}
	a.EpsilonGG, a.PGG, a.EpsilonHF, a.PHF = math.NaN(), a.P, math.NaN(), a.P
}

// checkMatrix returns the dimensions of a complete-case matrix, or why it
// is not one.
func checkMatrix(data [][]float64) (n, k int, err error) {
	n = len(data)
	if n < 2 {
		return 0, 0, fmt.Errorf("%d subjects: %w", n, ErrTooFew)
	}
	k = len(data[0])
	if k < 2 {
		return 0, 0, fmt.Errorf("%d conditions: %w", k, ErrTooFew)
	}
	for i, row := range data {
		if len(row) != k {
			return 0, 0, fmt.Errorf("subject %d has %d values, subject 1 has %d: %w", i+1, len(row), k, ErrShape)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, 0, fmt.Errorf("subject %d condition %d is %v: %w", i+1, j+1, v, ErrNotFinite)
			}
		}
	}
	return n, k, nil
}

// greenhouseGeisser estimates the sphericity ε of Box (1954) as Greenhouse
// & Geisser (1959) do, from the sample covariance matrix S of the
// conditions (columns of x):
//
//	ε̂ = (tr S*)² / ((k−1) · tr(S*²)),  S*_ab = S_ab − S̄_a· − S̄_·b + S̄_··
//
// S* is S double-centred (rows and columns made to sum to zero). That is
// the same as projecting S onto k−1 orthonormal contrasts, as SPSS and R's
// car do, without choosing the contrasts. ε̂ is 1 under sphericity and
// 1/(k−1) at worst; the result is clamped to that range against rounding.
func greenhouseGeisser(x *mat.Dense) float64 {
	_, k := x.Dims()
	var s mat.SymDense
	stat.CovarianceMatrix(&s, x, nil)
	rowMean := make([]float64, k)
	var all float64
	for a := range k {
		for b := range k {
			rowMean[a] += s.At(a, b) / float64(k)
		}
		all += rowMean[a] / float64(k)
	}
	var trace, sumSq float64
	for a := range k {
		for b := range k {
			c := s.At(a, b) - rowMean[a] - rowMean[b] + all
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

// huynhFeldt is the Huynh & Feldt (1976) estimate of ε for a one-way
// design with n subjects and k conditions,
//
//	ε̃ = (n(k−1)ε̂ − 2) / ((k−1)(n − 1 − (k−1)ε̂)),
//
// capped at 1. This is the form SPSS and JASP print, not the Lecoutre
// (1991) correction some R packages use. It corrects ε̂'s downward bias
// when sphericity nearly holds, and is never below ε̂ where defined. With
// so few subjects that the denominator is not positive the estimate is
// undefined; ε̂ is returned instead, the conservative choice.
func huynhFeldt(gg float64, n, k int) float64 {
	nf, d := float64(n), float64(k-1)
	den := d * (nf - 1 - d*gg)
	if den <= 0 {
		return gg
	}
	return math.Max(gg, math.Min(1, (nf*d*gg-2)/den))
}
