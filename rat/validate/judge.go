package validate

import (
	"fmt"
	"math"
)

// from names a check's source.
func (c Check) from(source string) Check {
	c.Source = source
	return c
}

// inRange: the cohort mean lies in [lo, hi].
func inRange(name string, x []float64, lo, hi float64) Check {
	m, sd, _ := meanSD(x)
	return Check{Name: name, Expected: fmt.Sprintf("mean in %g-%g", lo, hi),
		Value: fmt.Sprintf("%.1f (rats' SD %.1f)", m, sd), Pass: m >= lo && m <= hi}
}

// direction: the paired change from a to b has sign sign with |t| ≥ minT.
func direction(name string, r results, a, b arm, m int, sign float64) Check {
	c := paired(r.col(a, m), r.col(b, m))
	word, rel := "rises", "≥ "
	if sign < 0 {
		word, rel = "falls", "≤ −"
	}
	return Check{Name: name, Expected: fmt.Sprintf("%s (paired t %s%d)", word, rel, minT),
		Value: change(r, a, b, m, c), Pass: c.t*sign >= minT}
}

// welch replaces a direction check's comparison by one between two
// independent groups (different rats).
func (c Check) welch(r results, a, b arm, m int) Check {
	w := welch(r.col(a, m), r.col(b, m))
	c.Expected = fmt.Sprintf("higher (Welch t ≥ %d)", minT)
	c.Value = change(r, a, b, m, w)
	c.Pass = w.t >= minT
	return c
}

// changeBy: the ratio of the cohort means of b and a, as a percentage
// change, lies in [lo, hi] (an effect size inside a published band), and
// differs from no change with |t| ≥ minT (on the log ratio).
func changeBy(name string, r results, a, b arm, m int, lo, hi float64) Check {
	c := ratio(r.col(a, m), r.col(b, m))
	p := pct(c.mean)
	return Check{Name: name, Expected: fmt.Sprintf("changes by %+g%% to %+g%% (|t| ≥ %d)", lo, hi, minT),
		Value: means(r, a, b, m) + fmt.Sprintf(" (%+.0f%% [%+.0f, %+.0f], t %.1f)", p, pct(c.lo), pct(c.hi), c.t),
		Pass:  p >= lo && p <= hi && math.Abs(c.t) >= minT}
}

// shiftBy: the paired change from a to b, in the measure's units, lies in
// [lo, hi] with |t| ≥ minT.
func shiftBy(name string, r results, a, b arm, m int, lo, hi float64) Check {
	c := paired(r.col(a, m), r.col(b, m))
	return Check{Name: name, Expected: fmt.Sprintf("changes by %+g to %+g (|t| ≥ %d)", lo, hi, minT),
		Value: change(r, a, b, m, c), Pass: c.mean >= lo && c.mean <= hi && math.Abs(c.t) >= minT}
}

// equivalent: the 95% confidence interval of the paired change lies within
// ±margin (unchanged, in the sense of an equivalence test).
func equivalent(name string, r results, a, b arm, m int, margin float64) Check {
	c := paired(r.col(a, m), r.col(b, m))
	return Check{Name: name, Expected: fmt.Sprintf("unchanged (95%% CI of Δ within ±%g)", margin),
		Value: change(r, a, b, m, c), Pass: c.lo >= -margin && c.hi <= margin}
}

// relEquivalent: the 95% confidence interval of the ratio of means, as a
// percentage change, lies within ±marginPct: no effect, relative to the
// measure's own level.
func relEquivalent(name string, r results, a, b arm, m int, marginPct float64) Check {
	c := ratio(r.col(a, m), r.col(b, m))
	return Check{Name: name, Expected: fmt.Sprintf("unchanged (95%% CI of the change within ±%g%%)", marginPct),
		Value: means(r, a, b, m) + fmt.Sprintf(" (%+.0f%% [%+.0f, %+.0f])", pct(c.mean), pct(c.lo), pct(c.hi)),
		Pass:  pct(c.lo) >= -marginPct && pct(c.hi) <= marginPct}
}

// notWorse: the 95% confidence interval of the paired change lies above
// −margin.
func notWorse(name string, r results, a, b arm, m int, margin float64) Check {
	c := paired(r.col(a, m), r.col(b, m))
	return Check{Name: name, Expected: fmt.Sprintf("not worse, may improve (95%% CI of Δ above −%g)", margin),
		Value: change(r, a, b, m, c), Pass: c.lo > -margin}
}

// interaction: the same rats' change from a2 to b2 is more negative than
// their change from a1 to b1 (a difference of differences), paired
// t ≤ −minT.
func interaction(name string, r results, a1, b1, a2, b2 arm, m int) Check {
	d1 := paired(r.col(a1, m), r.col(b1, m))
	d2 := paired(r.col(a2, m), r.col(b2, m))
	x1, x2 := diffs(r.col(a1, m), r.col(b1, m)), diffs(r.col(a2, m), r.col(b2, m))
	c := paired(x1, x2)
	return Check{Name: name, Expected: fmt.Sprintf("larger fall (paired t ≤ −%d)", minT),
		Value: fmt.Sprintf("Δ %+.1f vs %+.1f, t %.1f", d2.mean, d1.mean, c.t), Pass: c.t <= -minT}
}

// groupInteraction: the change a2→b2 of one group of rats is more negative
// than a1→b1 of another, Welch t ≤ −minT.
func groupInteraction(name string, r results, a1, b1, a2, b2 arm, m int) Check {
	x1, x2 := diffs(r.col(a1, m), r.col(b1, m)), diffs(r.col(a2, m), r.col(b2, m))
	c := welch(x1, x2)
	m1, _, _ := meanSD(x1)
	m2, _, _ := meanSD(x2)
	return Check{Name: name, Expected: fmt.Sprintf("larger fall (Welch t ≤ −%d)", minT),
		Value: fmt.Sprintf("Δ %+.1f vs %+.1f, t %.1f", m2, m1, c.t), Pass: c.t <= -minT}
}

// rateDependence: the relative change a2→b2 of one group (the ratio of its
// means) is a larger fall than a1→b1 of another: the difference of the log
// ratios has t ≤ −minRateT. Rate dependence in relative terms, which a
// multiplicative drug effect alone does not give.
func rateDependence(name string, r results, a1, b1, a2, b2 arm, m int) Check {
	c1, c2 := ratio(r.col(a1, m), r.col(b1, m)), ratio(r.col(a2, m), r.col(b2, m))
	d := ratioDiff(c1, c2)
	return Check{Name: name, Expected: fmt.Sprintf("larger relative fall (t ≤ −%g)", minRateT),
		Value: fmt.Sprintf("%+.0f%% vs %+.0f%%, t %.1f", pct(c2.mean), pct(c1.mean), d.t), Pass: d.t <= -minRateT}
}

// minRateT is the criterion of the relative rate-dependence check: a
// difference of two ratios is noisier than a paired change, so it is held
// to two-sided p < 0.02 rather than minT.
const minRateT = 2.5

func diffs(a, b []float64) []float64 {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = b[i] - a[i]
	}
	return d
}

// means formats the means of a measure under two arms.
func means(r results, a, b arm, m int) string {
	ma, _, _ := meanSD(r.col(a, m))
	mb, _, _ := meanSD(r.col(b, m))
	return fmt.Sprintf("%.1f → %.1f", ma, mb)
}

// change formats the means of two arms and a comparison.
func change(r results, a, b arm, m int, c comparison) string {
	return means(r, a, b, m) + fmt.Sprintf(" (Δ %+.1f [%+.1f, %+.1f], t %.1f)", c.mean, c.lo, c.hi, c.t)
}

// retest: the correlation between each rat's values in two sessions under
// the same condition (new session noise) has the lower bound of its 95%
// confidence interval (Fisher's z) at least lo, and is at most hi. Rats
// that differ from one another, and keep those differences from day to
// day, is what makes within-subject designs (and simulate power's
// estimates) work: a model without between-rat variation gives r near 0,
// one without session-to-session noise r near 1.
func retest(name string, r results, a, b arm, m int, lo, hi float64) Check {
	x, y := r.col(a, m), r.col(b, m)
	rho, n := pearson(x, y)
	z, se := math.Atanh(rho), 1/math.Sqrt(float64(n-3))
	low, high := math.Tanh(z-1.96*se), math.Tanh(z+1.96*se)
	return Check{Name: name, Expected: fmt.Sprintf("r with 95%% CI above %g, r ≤ %g", lo, hi),
		Value: fmt.Sprintf("r %.2f [%.2f, %.2f]", rho, low, high), Pass: low >= lo && rho <= hi}
}
