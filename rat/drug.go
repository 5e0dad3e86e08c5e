package rat

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// An Emax is a sigmoid dose-response curve: the fractional change of a
// trait at dose D (mg/kg) is Max·Dⁿ/(Dⁿ + ED50ⁿ), with n the Hill slope.
type Emax struct {
	Max, ED50, Hill float64
}

// At is the fractional change at dose mg/kg; exactly 0 at dose 0.
func (e Emax) At(dose float64) float64 {
	if dose <= 0 || e.Max == 0 {
		return 0
	}
	x := math.Pow(dose/e.ED50, e.Hill)
	return e.Max * x / (1 + x)
}

// A Drug is what a compound does to a rat's traits: each curve gives the
// fractional change of one trait (or of its odds) with dose. The curves
// and their sources are in docs/virtual-rat.md.
type Drug struct {
	Name string
	// Impulsivity scales the premature-response hazard. RateDependence
	// makes the change larger in rats that start higher: the curve's Max
	// is multiplied by (Impulsivity/Default's)^RateDependence, within
	// [0.7, 1.3].
	Impulsivity    Emax
	RateDependence float64
	// Perseveration scales perseverative and time-out pokes.
	Perseveration Emax
	// Lapses scales the odds of not watching at stimulus onset.
	Lapses Emax
	// Disengagement scales the odds of sitting out an attempt.
	Disengagement Emax
	// Speed scales the speed of every movement.
	Speed Emax
}

// The drugs a virtual rat can be given. Atomoxetine: a selective
// noradrenaline reuptake inhibitor that lowers waiting impulsivity from
// about 0.3 mg/kg and, only near 3 mg/kg, slows and disengages the rat.
// Methylphenidate: a stimulant control that raises premature responding.
var drugs = []Drug{
	{
		Name:           "atomoxetine",
		Impulsivity:    Emax{Max: -0.85, ED50: 0.6, Hill: 1.3},
		RateDependence: 0.3,
		Perseveration:  Emax{Max: -0.6, ED50: 0.5, Hill: 1},
		Lapses:         Emax{Max: -0.1, ED50: 1, Hill: 1},
		Disengagement:  Emax{Max: 4, ED50: 4, Hill: 4},
		Speed:          Emax{Max: -0.5, ED50: 4, Hill: 4},
	},
	{
		Name:          "methylphenidate",
		Impulsivity:   Emax{Max: 1.5, ED50: 1.5, Hill: 1.5},
		Perseveration: Emax{Max: 0.3, ED50: 1.5, Hill: 1.5},
		Disengagement: Emax{Max: -0.3, ED50: 1, Hill: 1},
		Speed:         Emax{Max: 0.15, ED50: 1, Hill: 1},
	},
}

// Drugs lists the drugs Dosed knows, by name.
func Drugs() []Drug { return append([]Drug(nil), drugs...) }

// noDrug names what leaves a rat as it is: no injection or vehicle alone.
var noDrug = []string{"", "none", "vehicle", "saline"}

// aliases are the short names conditions use.
var aliases = map[string]string{"atx": "atomoxetine", "mph": "methylphenidate"}

// Dosed returns the traits of rat p given doseMgPerKg of drug (a name or
// an alias: atx, mph). No drug, vehicle or dose 0 return p unchanged,
// bit for bit, so vehicle sessions are baseline sessions.
func Dosed(p Traits, drug string, doseMgPerKg float64) (Traits, error) {
	d, ok, err := LookupDrug(drug)
	switch {
	case err != nil:
		return p, err
	case !ok:
		return p, nil
	case doseMgPerKg < 0 || math.IsNaN(doseMgPerKg):
		return p, fmt.Errorf("dose %g mg/kg: must not be negative", doseMgPerKg)
	}
	return d.Apply(p, doseMgPerKg), nil
}

// LookupDrug returns the drug a condition names (a name or an alias, in
// any case). ok is false, with no error, for no drug: vehicle, saline,
// none or an empty name. Callers that need a variant of a drug (a
// deliberately wrong model, a what-if curve) look it up, change a copy
// and Apply it; the table itself never changes.
func LookupDrug(name string) (d Drug, ok bool, err error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, none := range noDrug {
		if n == none {
			return Drug{}, false, nil
		}
	}
	if a, isAlias := aliases[n]; isAlias {
		n = a
	}
	for _, d := range drugs {
		if d.Name == n {
			return d, true, nil
		}
	}
	return Drug{}, false, fmt.Errorf("unknown drug %q (the virtual rat knows vehicle, atomoxetine, methylphenidate)", name)
}

// Apply returns the traits of rat p given doseMgPerKg of the drug: each
// curve changes its trait as the Drug's fields say. A dose of 0 or less
// returns p unchanged.
func (d Drug) Apply(p Traits, doseMgPerKg float64) Traits {
	if !(doseMgPerKg > 0) {
		return p
	}
	rate := 1.0
	if ref := Default().Impulsivity; d.RateDependence != 0 && p.Impulsivity > 0 {
		rate = min(max(math.Pow(p.Impulsivity/ref, d.RateDependence), 0.7), 1.3)
	}
	p.Impulsivity *= factor(rate * d.Impulsivity.At(doseMgPerKg))
	pf := factor(d.Perseveration.At(doseMgPerKg))
	p.Perseveration *= pf
	p.TimeoutPokes *= pf
	p.Attention = scaleOdds(p.Attention, factor(d.Lapses.At(doseMgPerKg)))
	p.Motivation = scaleOdds(p.Motivation, factor(d.Disengagement.At(doseMgPerKg)))
	p.Speed = p.withDefaults().Speed * factor(d.Speed.At(doseMgPerKg))
	return p
}

// factor turns a fractional change into a multiplier, never below 0.05:
// no dose abolishes a trait.
func factor(change float64) float64 { return max(1+change, 0.05) }

// scaleOdds multiplies the odds against p (of a lapse, of disengaging).
func scaleOdds(p, f float64) float64 {
	if f == 1 || p <= 0 || p >= 1 {
		return p
	}
	against := (1 - p) / p * f
	return 1 / (1 + against)
}

func scaleDuration(d time.Duration, f float64) time.Duration {
	return time.Duration(float64(d) * f)
}
