package rat

import (
	"math"
	"time"
)

// A lognormal is the inverse distribution function of exp(σZ), Z standard
// normal, tabulated at 257 evenly spaced probabilities. A draw is a table
// lookup and a linear interpolation, with no exponential: latencies are
// drawn several times per trial and must stay cheap. Only the tails beyond
// the 1/514 quantiles (|Z| > 2.9) are clipped, which a latency never misses.
type lognormal [257]float64

func newLognormal(sigma float64) *lognormal {
	var l lognormal
	for i := range l {
		p := (float64(i) + 0.5) / float64(len(l))
		l[i] = math.Exp(sigma * math.Sqrt2 * math.Erfinv(2*p-1))
	}
	return &l
}

// at maps 64 uniform bits to a draw: the top 8 choose the interval, the
// next 52 the place in it.
func (l *lognormal) at(u uint64) float64 {
	i := u >> 56
	f := float64(u<<8>>12) / (1 << 52)
	return l[i] + (l[i+1]-l[i])*f
}

// The spreads the model uses (σ of the log). They are read-only tables,
// computed once.
var (
	spread025 = newLognormal(0.25)
	spread030 = newLognormal(0.3)
	spread035 = newLognormal(0.35)
	spread040 = newLognormal(0.4)
)

// latency draws a lognormal motor latency with the given median and spread,
// scaled by the rat's speed.
func (r *Rat) latency(median time.Duration, s *lognormal) time.Duration {
	return time.Duration(float64(median) * s.at(r.rng.Uint64()) / r.p.Speed)
}

// latencyRaw is latency without the speed: perception is not motor.
func (r *Rat) latencyRaw(median time.Duration, s *lognormal) time.Duration {
	return time.Duration(float64(median) * s.at(r.rng.Uint64()))
}

// poisson draws a small Poisson count (Knuth's method), at most 5; expNeg
// is exp(−mean).
func (r *Rat) poisson(expNeg float64) int {
	p, n := r.rng.Float64(), 0
	for p > expNeg && n < 5 {
		p *= r.rng.Float64()
		n++
	}
	return n
}

// chance reports whether a uniform draw u falls below logistic(x), given
// e = exp(−x): u < 1/(1+e) ⟺ u·(1+e) < 1. Products of odds stand in for
// sums of log-odds, so an attempt costs one exponential, not one per draw.
func chance(u, e float64) bool { return u*(1+e) < 1 }

func logit(p float64) float64 {
	p = min(max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
