package validate

import "math"

// A comparison is the summary of a set of differences (paired, or of two
// groups) that a check judges: its mean, standard error, t statistic and
// 95% confidence interval.
type comparison struct {
	mean, se, t, lo, hi float64
	n                   int
}

// meanSD returns the mean and sample standard deviation of the values
// that are not NaN, and how many there were.
func meanSD(x []float64) (mean, sd float64, n int) {
	var sum float64
	for _, v := range x {
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN(), math.NaN(), 0
	}
	mean = sum / float64(n)
	var ss float64
	for _, v := range x {
		if !math.IsNaN(v) {
			ss += (v - mean) * (v - mean)
		}
	}
	if n > 1 {
		sd = math.Sqrt(ss / float64(n-1))
	}
	return mean, sd, n
}

// t975 approximates the two-sided 95% quantile of Student's t with df
// degrees of freedom (within 0.01 for df ≥ 5; the checks use dozens).
func t975(df float64) float64 { return 1.96 + 2.5/df }

// paired compares b with a rat by rat (b − a), skipping rats where either
// is undefined.
func paired(a, b []float64) comparison {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = b[i] - a[i] // NaN if either is
	}
	m, sd, n := meanSD(d)
	return summarize(m, sd/math.Sqrt(float64(n)), float64(n-1), n)
}

// welch compares the mean of b with that of a, two independent groups.
func welch(a, b []float64) comparison {
	ma, sa, na := meanSD(a)
	mb, sb, nb := meanSD(b)
	va, vb := sa*sa/float64(na), sb*sb/float64(nb)
	df := (va + vb) * (va + vb) / (va*va/float64(na-1) + vb*vb/float64(nb-1))
	return summarize(mb-ma, math.Sqrt(va+vb), df, na+nb)
}

func summarize(mean, se, df float64, n int) comparison {
	c := comparison{mean: mean, se: se, n: n, t: mean / se}
	if se == 0 {
		c.t = math.Copysign(math.Inf(1), mean)
		if mean == 0 {
			c.t = 0
		}
	}
	half := t975(df) * se
	c.lo, c.hi = mean-half, mean+half
	return c
}

// ratio compares the mean of b with the mean of a over the same rats, on
// the log scale: mean is ln(mean b / mean a), with its standard error by
// the delta method (which keeps the pairing's covariance), so exp of the
// interval bounds is a 95% interval of the ratio of means. Rats where
// either is undefined are skipped.
func ratio(a, b []float64) comparison {
	var xa, xb []float64
	for i := range a {
		if !math.IsNaN(a[i]) && !math.IsNaN(b[i]) {
			xa, xb = append(xa, a[i]), append(xb, b[i])
		}
	}
	n := len(xa)
	ma, sa, _ := meanSD(xa)
	mb, sb, _ := meanSD(xb)
	var cov float64
	for i := range xa {
		cov += (xa[i] - ma) * (xb[i] - mb)
	}
	if n > 1 {
		cov /= float64(n - 1)
	}
	v := (sa*sa/(ma*ma) + sb*sb/(mb*mb) - 2*cov/(ma*mb)) / float64(n)
	return summarize(math.Log(mb/ma), math.Sqrt(max(v, 0)), float64(n-1), n)
}

// ratioDiff compares two log ratios of independent groups (y − x).
func ratioDiff(x, y comparison) comparison {
	se := math.Sqrt(x.se*x.se + y.se*y.se)
	return summarize(y.mean-x.mean, se, float64(x.n+y.n-2), x.n+y.n)
}

// pct turns a log ratio into a percentage change.
func pct(logRatio float64) float64 { return 100 * math.Expm1(logRatio) }

// pearson is the correlation coefficient of paired values and the number
// of pairs (pairs with a NaN left out).
func pearson(a, b []float64) (float64, int) {
	var xs, ys []float64
	for i := range a {
		if !math.IsNaN(a[i]) && !math.IsNaN(b[i]) {
			xs, ys = append(xs, a[i]), append(ys, b[i])
		}
	}
	mx, _, _ := meanSD(xs)
	my, _, _ := meanSD(ys)
	var sxy, sxx, syy float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
		syy += (ys[i] - my) * (ys[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy), len(xs)
}
