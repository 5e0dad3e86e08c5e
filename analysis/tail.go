package analysis

import "math"

// FSurvival is P(F ≥ f) for an F distribution with d1 and d2 degrees of
// freedom (not necessarily integers: a sphericity correction multiplies
// both by ε). It is computed directly as the regularised incomplete beta
// I_x(d2/2, d1/2) at x = d2/(d2 + d1·f), never as 1 − CDF: 1 − CDF cannot
// go below about 1e-16, so an F of 200 on (3, 45) df would print p = 0
// where the truth is 5.04e-26. The relative error is below 3e-14
// down to p = 1e-200 (checked against mpmath at 60 digits, see
// TestTailAgainstMPMath); below about 1e-300 it underflows to 0.
//
// NaN for NaN f or non-positive degrees of freedom; 1 for f ≤ 0; 0 for
// f = +Inf.
func FSurvival(f, d1, d2 float64) float64 {
	switch {
	case math.IsNaN(f) || math.IsNaN(d1) || math.IsNaN(d2) || d1 <= 0 || d2 <= 0:
		return math.NaN()
	case f <= 0:
		return 1
	case math.IsInf(f, 1):
		return 0
	}
	// x and 1 − x each computed without cancellation.
	den := d2 + d1*f
	return regIncBeta(d2/2, d1/2, d2/den, d1*f/den)
}

// TTwoSided is the two-sided p of Student's t with df degrees of freedom,
// P(|T| ≥ |t|) = I_x(df/2, 1/2) at x = df/(df + t²), computed directly for
// the same reason as FSurvival. NaN for NaN t or df ≤ 0; 0 for infinite t.
func TTwoSided(t, df float64) float64 {
	switch {
	case math.IsNaN(t) || math.IsNaN(df) || df <= 0:
		return math.NaN()
	case math.IsInf(t, 0):
		return 0
	case t == 0:
		return 1
	}
	t2 := t * t
	den := df + t2
	return regIncBeta(df/2, 0.5, df/den, t2/den)
}

// regIncBeta is the regularised incomplete beta function I_x(a, b), given
// x and y = 1 − x separately so that whichever is small keeps its full
// precision. It evaluates the continued fraction of Numerical Recipes
// (Press et al. 2007, 3rd ed., sec. 6.4, eq. 6.4.5) by the modified Lentz
// method on whichever side of the mean a/(a+b) converges fast, so the
// small tail is always computed directly and only the large one is
// obtained by subtraction.
//
// Why not gonum's mathext.RegIncBeta (Cephes incbet): measured against
// mpmath over F tests with 1 to 5 and 2 to 235 df, its relative error in
// the far tail reaches 1.2e-13; this one stays under 1.5e-14 (see
// TestTailAgainstMPMath). The difference comes from the prefactor
// x^a·y^b/B(a,b): taking logs of it multiplies the rounding of ln x by a,
// so powers are used directly while they do not underflow, and ln B(a, b)
// comes from a Stirling difference when one argument is large (see
// lnBeta).
func regIncBeta(a, b, x, y float64) float64 {
	if x <= 0 {
		return 0
	}
	if y <= 0 {
		return 1
	}
	lb := lnBeta(a, b)
	front := math.Pow(x, a) * math.Pow(y, b) * math.Exp(-lb)
	if front < 1e-280 || math.IsInf(front, 0) || math.IsNaN(front) {
		// Powers under- or overflow: the log form, less precise but finite.
		front = math.Exp(a*math.Log(x) + b*math.Log(y) - lb)
	}
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, y)/b
}

// betaCF is the continued fraction for I_x(a, b) (Numerical Recipes eq.
// 6.4.5), by the modified Lentz method; NaN if it has not converged after
// maxIter terms, which does not happen for the degrees of freedom of a
// study (it takes O(√max(a, b)) terms).
func betaCF(a, b, x float64) float64 {
	const (
		tiny    = 1e-300
		maxIter = 10000
	)
	guard := func(v float64) float64 {
		if math.Abs(v) < tiny {
			return tiny
		}
		return v
	}
	c := 1.0
	d := 1 / guard(1-(a+b)*x/(a+1))
	h := d
	for m := 1; m <= maxIter; m++ {
		fm, m2 := float64(m), float64(2*m)
		even := fm * (b - fm) * x / ((a - 1 + m2) * (a + m2))
		d = 1 / guard(1+even*d)
		c = guard(1 + even/c)
		h *= d * c
		odd := -(a + fm) * (a + b + fm) * x / ((a + m2) * (a + 1 + m2))
		d = 1 / guard(1+odd*d)
		c = guard(1 + odd/c)
		step := d * c
		h *= step
		if math.Abs(step-1) < 1e-16 {
			return h
		}
	}
	return math.NaN()
}

// lnBeta is ln B(a, b). When one argument q is large (≥ 10) and the other
// p is not, ln Γ(q) − ln Γ(p+q) is a small difference of two large numbers
// whose rounding would cost about 1e-13 in p-values; it is computed from
// Stirling's series instead:
//
//	ln Γ(q) − ln Γ(q+p) = −(q − ½)·ln(1 + p/q) − p·ln(q+p) + p + δ(q) − δ(q+p)
//
// with δ the remainder of Stirling's formula (stirlingDelta).
func lnBeta(a, b float64) float64 {
	p, q := math.Min(a, b), math.Max(a, b)
	lp, _ := math.Lgamma(p)
	if q >= 10 && p < 10 {
		return lp - (q-0.5)*math.Log1p(p/q) - p*math.Log(q+p) + p + stirlingDelta(q) - stirlingDelta(q+p)
	}
	lq, _ := math.Lgamma(q)
	lpq, _ := math.Lgamma(p + q)
	return lp + lq - lpq
}

// stirlingDelta is δ(z) = ln Γ(z) − ((z − ½)·ln z − z + ½·ln 2π), by its
// asymptotic series Σ B₂ₖ/(2k(2k−1)z^(2k−1)) to the z⁻¹³ term, whose
// truncation error is below 1e-16 for z ≥ 10 (Abramowitz & Stegun 6.1.41).
func stirlingDelta(z float64) float64 {
	z2 := 1 / (z * z)
	return (1.0/12 + z2*(-1.0/360+z2*(1.0/1260+z2*(-1.0/1680+z2*(1.0/1188+z2*(-691.0/360360+z2*(1.0/156))))))) / z
}
