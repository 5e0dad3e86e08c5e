package rat

import (
	"math"
	"math/rand/v2"
)

// The population of learners: each rat's learning rates are lognormal
// around these medians, all shifted together by the rat's general learning
// ability (σ sdAbility) and each by its own (σ sdRate), so a rat slow at
// one skill tends to be slow at the others. A share nonLearners of rats
// never learn to attend to brief stimuli well enough: their attention
// stops between ceilingLow and ceilingHigh. docs/virtual-rat.md gives the
// acquisition figures these are calibrated to.
const (
	rateMagazine  = 0.1    // per pellet collected
	rateMapping   = 0.03   // per rewarded trial
	rateAttention = 0.0015 // per rewarded trial with a light of 1 s or less
	rateWaiting   = 0.01   // per attempt waited through at a 5 s ITI
	sdAbility     = 0.4
	sdRate        = 0.3
	nonLearners   = 0.05
	ceilingLow    = 0.2
	ceilingHigh   = 0.5
)

// Naive returns a naive rat that becomes trained when it has learnt, with
// learning rates drawn from the population by seed.
func Naive(trained Traits, seed uint64) Learner {
	return naive(trained, rand.New(rand.NewPCG(seed, 0x1ea2)))
}

// NaiveCohort draws n naive rats: the rats Cohort(n, phenotype, seed)
// draws, before training, each with its own learning rates. Trained to
// the end, they are that cohort. It panics on a phenotype CheckPhenotype
// refuses, as Cohort does.
func NaiveCohort(n int, phenotype string, seed uint64) []Learner {
	trained := Cohort(n, phenotype, seed)
	rng := rand.New(rand.NewPCG(seed, 0x1ea2))
	ls := make([]Learner, n)
	for i := range ls {
		ls[i] = naive(trained[i], rng)
	}
	return ls
}

func naive(trained Traits, rng *rand.Rand) Learner {
	ability := sdAbility * rng.NormFloat64()
	rate := func(median float64) float64 { return median * math.Exp(ability+sdRate*rng.NormFloat64()) }
	r := Rates{Magazine: rate(rateMagazine), Mapping: rate(rateMapping), Attention: rate(rateAttention),
		Waiting: rate(rateWaiting), AttentionCeiling: 1}
	if rng.Float64() < nonLearners {
		r.AttentionCeiling = ceilingLow + (ceilingHigh-ceilingLow)*rng.Float64()
	}
	return Learner{Trained: trained, Rates: r}
}
