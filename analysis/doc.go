// Package analysis holds the statistics of a within-subject drug study:
// descriptives, the one-way repeated-measures ANOVA with sphericity
// corrections, paired t-tests and Holm's correction for multiple
// comparisons.
//
// Why these: in a within-subject 5-CSRTT study every rat receives vehicle
// and each dose once, so conditions are compared within rats. The omnibus
// test is a one-way repeated-measures ANOVA with condition as the factor;
// because doses rarely give equal variances of the differences (sphericity),
// the Greenhouse-Geisser corrected p-value is reported beside the
// uncorrected one. Each dose is then compared with vehicle by a paired
// t-test, and the family of those comparisons is Holm-adjusted, which
// controls the family-wise error rate like Bonferroni but is uniformly more
// powerful.
//
// Tail probabilities (FSurvival, TTwoSided) are computed directly from the
// regularised incomplete beta, never as 1 − CDF, so a p of 1e-30 prints as
// 1e-30 and not as 0 or 1.1e-16.
//
// Count and percentage measures can be transformed before the tests
// (Transform: √(x + ½) for counts, arcsin √p for percentages), as many
// labs do; the transforms are documented with their references.
//
// Everything here is a pure function over plain slices, so it can be
// checked against published worked examples (see the tests).
//
// # Missing values and errors
//
// The tests take complete cases only: a matrix data[subject][condition]
// with every row the same length. Leaving out incomplete subjects is the
// caller's job, because which subjects to drop is a reporting decision.
//
//   - Mean and SEM never fail. They return NaN when the value is undefined
//     (no values; fewer than two for SEM) and NaN inputs propagate, as in
//     IEEE arithmetic.
//   - RepeatedMeasures, PairedT, Compare and CompareToReference refuse NaN
//     or infinite values with ErrNotFinite, ragged or mismatched input with
//     ErrShape and too little data with ErrTooFew, each wrapped with
//     context (test with errors.Is). A report should say "not tested"
//     rather than print a p-value computed from a NaN.
//   - Where the data are valid but a statistic is not a number, the test's
//     Status says whether it is Infinite (no error variance but an effect:
//     ±Inf, p = 0) or Undefined (neither: NaN), and Reason says why in
//     words a report can print.
package analysis

import "errors"

// Errors the tests wrap; test with errors.Is.
var (
	// ErrTooFew: fewer than two subjects, pairs or conditions.
	ErrTooFew = errors.New("too few complete cases")
	// ErrShape: rows of different lengths, or slices that should pair up
	// and do not.
	ErrShape = errors.New("data have the wrong shape")
	// ErrNotFinite: a NaN or infinite value where a measurement belongs.
	ErrNotFinite = errors.New("not a finite number")
)
