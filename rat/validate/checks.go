package validate

import (
	"fmt"
	"math"

	"github.com/fivechoice/fivechoice/rat"
)

// minT is the |t| a directional check needs: far beyond chance (two-sided
// p < 0.005 at the cohort sizes used), so a pass is not luck and a failure
// is not noise.
const minT = 3

const (
	atx = "atomoxetine"
	mph = "methylphenidate"
)

func mixed(protocol, drug string, dose float64) arm {
	return arm{rat.PhenotypeMixed, protocol, drug, dose}
}

var (
	vehBase  = mixed("baseline", "vehicle", 0)
	vehLong  = mixed("long_iti", "vehicle", 0)
	vehVar   = mixed("variable_iti", "vehicle", 0)
	vehSD    = mixed("short_sd", "vehicle", 0)
	vehShort = mixed(shortITI, "vehicle", 0)
	atxLong  = mixed("long_iti", atx, 1)
	atxSD    = mixed("short_sd", atx, 1)
	mph1     = mixed("baseline", mph, 1)
	hiVeh    = arm{rat.PhenotypeHigh, "long_iti", "vehicle", 0}
	hiATX    = arm{rat.PhenotypeHigh, "long_iti", atx, 1}
	loVeh    = arm{rat.PhenotypeLow, "long_iti", "vehicle", 0}
	loATX    = arm{rat.PhenotypeLow, "long_iti", atx, 1}
)

func atxBase(dose float64) arm { return mixed("baseline", atx, dose) }

var atxDoses = []float64{0.1, 0.3, 1, 3}

// allArms lists every condition the checks use.
func allArms() []arm {
	as := []arm{vehBase, vehLong, vehVar, vehSD, vehShort, atxLong, atxSD, mph1, hiVeh, hiATX, loVeh, loATX}
	for _, d := range atxDoses {
		as = append(as, atxBase(d))
	}
	return as
}

var measureNames = [nMeasures]string{"accuracy %", "omissions %", "premature", "perseverative", "correct latency ms", "reward latency ms", "trials completed in 10 min"}

// checks judges the results against docs/pharmacology.md.
func checks(r results) []Check {
	var cs []Check
	add := func(c Check) { cs = append(cs, c) }
	// Baseline magnitudes of a trained rat (SD 0.5 s, ITI 5 s, vehicle).
	for _, b := range []struct {
		m      int
		lo, hi float64
	}{{mAccuracy, 80, 90}, {mOmissions, 5, 15}, {mPremature, 5, 15}, {mCorrectLatency, 500, 800}, {mRewardLatency, 1200, 2000}} {
		add(inRange("baseline: "+measureNames[b.m], r.col(vehBase, b.m), b.lo, b.hi))
	}
	// Point 5: task challenges without drug.
	add(direction("long ITI (7 s): premature", r, vehBase, vehLong, mPremature, +1))
	// pharmacology.md: 20-50 at ITI 7-10 s; 7 s is the low end of that.
	add(inRange("long ITI (7 s): premature, magnitude", r.col(vehLong, mPremature), 15, 50))
	add(direction("variable ITI (7-13 s): premature", r, vehBase, vehVar, mPremature, +1))
	add(direction("long ITI (7 s): "+measureNames[mCompleted], r, vehBase, vehLong, mCompleted, -1))
	add(direction("short SD (0.25 s): accuracy %", r, vehBase, vehSD, mAccuracy, -1))
	add(direction("short SD (0.25 s): omissions %", r, vehBase, vehSD, mOmissions, +1))
	premBase, _, _ := meanSD(r.col(vehBase, mPremature))
	add(equivalent("short SD (0.25 s): premature (selectivity)", r, vehBase, vehSD, mPremature, math.Round(2.5*premBase)/10))
	add(direction("short ITI (2 s): omissions %", r, vehBase, vehShort, mOmissions, +1))
	add(direction("short ITI (2 s): perseverative", r, vehBase, vehShort, mPerseverative, +1))
	add(direction("short ITI (2 s): correct latency ms", r, vehBase, vehShort, mCorrectLatency, +1))
	// Paterson et al. (2011): a short ITI leaves magazine (reward) latency
	// alone. (They found no change in accuracy either; the model loses about
	// 2 points, from late arrivals' glimpses: see docs/virtual-rat.md.)
	add(equivalent("short ITI (2 s): reward latency ms", r, vehBase, vehShort, mRewardLatency, 100))
	// Point 1: premature responses fall with atomoxetine, dose-dependently.
	add(doseResponse("ATX: premature by dose (mg/kg)", r, mPremature))
	add(direction("ATX 0.3 mg/kg: premature", r, vehBase, atxBase(0.3), mPremature, -1))
	add(fallsBy("ATX 1 mg/kg: premature", r, vehBase, atxBase(1), mPremature, 0.3))
	// Point 2: perseverative responses fall.
	add(direction("ATX 1 mg/kg: perseverative", r, vehBase, atxBase(1), mPerseverative, -1))
	// Points 3 and 4: accuracy unchanged; omissions and latencies unchanged
	// at low and moderate doses, up at 3 mg/kg.
	for _, d := range []float64{0.3, 1} {
		add(equivalent(fmt.Sprintf("ATX %g mg/kg: accuracy %%", d), r, vehBase, atxBase(d), mAccuracy, 3))
	}
	for _, d := range []float64{0.1, 0.3, 1} {
		add(equivalent(fmt.Sprintf("ATX %g mg/kg: omissions %%", d), r, vehBase, atxBase(d), mOmissions, 2.5))
		add(equivalent(fmt.Sprintf("ATX %g mg/kg: correct latency ms", d), r, vehBase, atxBase(d), mCorrectLatency, 40))
		add(equivalent(fmt.Sprintf("ATX %g mg/kg: reward latency ms", d), r, vehBase, atxBase(d), mRewardLatency, 100))
	}
	add(notWorse("ATX 1 mg/kg under short SD: accuracy %", r, vehSD, atxSD, mAccuracy, 2))
	for _, m := range []int{mOmissions, mCorrectLatency, mRewardLatency} {
		add(direction("ATX 3 mg/kg: "+measureNames[m], r, vehBase, atxBase(3), m, +1))
	}
	// Point 1: larger falls where impulsivity is high.
	add(interaction("ATX 1 mg/kg: fall in premature, long ITI vs baseline", r, vehBase, atxBase(1), vehLong, atxLong, mPremature))
	add(direction("phenotypes at long ITI: premature, high vs low", r, loVeh, hiVeh, mPremature, +1).welch(r, loVeh, hiVeh, mPremature))
	add(groupInteraction("ATX 1 mg/kg: fall in premature, high vs low impulsive", r, loVeh, loATX, hiVeh, hiATX, mPremature))
	// Point 6: the stimulant raises premature responses.
	add(direction("methylphenidate 1 mg/kg: premature", r, vehBase, mph1, mPremature, +1))
	return cs
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

// fallsBy: a paired fall with |t| ≥ minT of at least frac of the mean of a.
func fallsBy(name string, r results, a, b arm, m int, frac float64) Check {
	c := paired(r.col(a, m), r.col(b, m))
	ma, _, _ := meanSD(r.col(a, m))
	return Check{Name: name, Expected: fmt.Sprintf("falls by ≥ %.0f%% (paired t ≤ −%d)", 100*frac, minT),
		Value: change(r, a, b, m, c) + fmt.Sprintf(", %.0f%%", 100*c.mean/ma), Pass: c.t <= -minT && c.mean <= -frac*ma}
}

// equivalent: the 95% confidence interval of the paired change lies within
// ±margin (unchanged, in the sense of an equivalence test).
func equivalent(name string, r results, a, b arm, m int, margin float64) Check {
	c := paired(r.col(a, m), r.col(b, m))
	return Check{Name: name, Expected: fmt.Sprintf("unchanged (95%% CI of Δ within ±%g)", margin),
		Value: change(r, a, b, m, c), Pass: c.lo >= -margin && c.hi <= margin}
}

// notWorse: the 95% confidence interval of the paired change lies above
// −margin.
func notWorse(name string, r results, a, b arm, m int, margin float64) Check {
	c := paired(r.col(a, m), r.col(b, m))
	return Check{Name: name, Expected: fmt.Sprintf("not worse, may improve (95%% CI of Δ above −%g)", margin),
		Value: change(r, a, b, m, c), Pass: c.lo > -margin}
}

// doseResponse: the mean falls with each dose from 0.3 mg/kg on (vehicle >
// 0.3 > 1 > 3). The 0.1 mg/kg mean is shown but not judged: the literature
// finds no reliable effect there.
func doseResponse(name string, r results, m int) Check {
	ok, s := true, ""
	prev := math.Inf(1)
	for i, a := range append([]arm{vehBase}, atxBase(0.1), atxBase(0.3), atxBase(1), atxBase(3)) {
		v, _, _ := meanSD(r.col(a, m))
		if a.dose != 0.1 {
			ok = ok && v < prev
			prev = v
		}
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%g: %.1f", a.dose, v)
	}
	return Check{Name: name, Expected: "falls with each dose from 0.3 (means 0 > 0.3 > 1 > 3)", Value: s, Pass: ok}
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

func diffs(a, b []float64) []float64 {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = b[i] - a[i]
	}
	return d
}

// change formats the means of two arms and a comparison.
func change(r results, a, b arm, m int, c comparison) string {
	ma, _, _ := meanSD(r.col(a, m))
	mb, _, _ := meanSD(r.col(b, m))
	return fmt.Sprintf("%.1f → %.1f (Δ %+.1f [%+.1f, %+.1f], t %.1f)", ma, mb, c.mean, c.lo, c.hi, c.t)
}
