package rat

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Phenotypes a cohort can be drawn as.
const (
	// PhenotypeMixed is an unselected population.
	PhenotypeMixed = "mixed"
	// PhenotypeHigh is high-impulsive rats: the top fifth of the population
	// on waiting impulsivity, as labs select them from the top of the
	// premature-response distribution of a screened cohort (Dalley et al.
	// 2007; Robinson et al. 2008; Fernando et al. 2012).
	PhenotypeHigh = "high"
	// PhenotypeLow is low-impulsive rats: the bottom fifth.
	PhenotypeLow = "low"
)

// selectZ is the standard-normal cut-off of the fifth a phenotype is drawn
// from (Φ(0.8416) = 0.8).
const selectZ = 0.8416212335729143

// Individual differences: the spread (σ) of each trait around Default
// across rats, on the log scale for rates and times and on the log-odds
// scale for probabilities. The correlations with impulsivity follow the
// reported link of premature responding with time-out responses and, more
// weakly, perseveration.
const (
	sdImpulsivity   = 0.5
	sdAttention     = 0.5
	sdLocation      = 0.3
	sdMotivation    = 0.5
	sdSpeed         = 0.12
	sdCollect       = 0.12
	sdPerseveration = 0.4
	sdTimeout       = 0.5
	rhoTimeout      = 0.5 // with impulsivity
	rhoPersev       = 0.3
)

// CheckPhenotype returns an error naming the choices unless phenotype is
// one Cohort accepts ("" is mixed).
func CheckPhenotype(phenotype string) error {
	switch strings.ToLower(phenotype) {
	case "", PhenotypeMixed, PhenotypeHigh, PhenotypeLow:
		return nil
	}
	return fmt.Errorf("unknown phenotype %q (mixed, high or low)", phenotype)
}

// Cohort draws n rats from the population, each with its own traits: a
// mixed (unselected) cohort, or high- or low-impulsive rats. The same seed
// gives the same rats. It panics on a phenotype CheckPhenotype refuses,
// which is a caller's mistake, as with regexp.MustCompile.
func Cohort(n int, phenotype string, seed uint64) []Traits {
	if err := CheckPhenotype(phenotype); err != nil {
		panic("rat.Cohort: " + err.Error())
	}
	phenotype = strings.ToLower(phenotype)
	rng := rand.New(rand.NewPCG(seed, 0xc0407))
	rats := make([]Traits, n)
	for i := range rats {
		rats[i] = drawRat(rng, phenotype)
	}
	return rats
}

// drawRat draws one rat's traits; impulsivity is drawn first, truncated to
// the phenotype's fifth by rejection.
func drawRat(rng *rand.Rand, phenotype string) Traits {
	zi := rng.NormFloat64()
	for (phenotype == PhenotypeHigh && zi < selectZ) || (phenotype == PhenotypeLow && zi > -selectZ) {
		zi = rng.NormFloat64()
	}
	corr := func(rho float64) float64 { return rho*zi + math.Sqrt(1-rho*rho)*rng.NormFloat64() }
	p := Default()
	p.Impulsivity *= math.Exp(sdImpulsivity * zi)
	p.TimeoutPokes *= math.Exp(sdTimeout * corr(rhoTimeout))
	p.Perseveration *= math.Exp(sdPerseveration * corr(rhoPersev))
	p.Attention = logistic(logit(p.Attention) + sdAttention*rng.NormFloat64())
	p.LocationError *= math.Exp(sdLocation * rng.NormFloat64())
	p.Motivation = logistic(logit(p.Motivation) + sdMotivation*rng.NormFloat64())
	p.Speed *= math.Exp(sdSpeed * rng.NormFloat64())
	p.CollectTime = scaleDuration(p.CollectTime, math.Exp(sdCollect*rng.NormFloat64()))
	return p
}
