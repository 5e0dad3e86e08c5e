// Package validate checks that the virtual rats of package rat behave as
// real ones do in the literature (docs/pharmacology.md): baseline
// magnitudes, the task challenges and the dose-response of atomoxetine and
// of a stimulant. Every simulated session runs through the real runner
// (controller.Run on protocols.NewSession and a virtual sim chamber), so
// the checks test the whole chain the lab's studies use, not the model on
// its own. That makes it an application of the controller, above it in the
// import graph, while package rat itself sits below.
//
// Comparisons are within subjects wherever the literature's are: the same
// rats, with the same session seeds (common random numbers), under each
// condition, judged by paired t statistics and confidence intervals.
package validate

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
)

// DefaultRats is the cohort size (per phenotype) of a validation: enough
// for every directional check to clear its criterion by a wide margin.
const DefaultRats = 128

// Options configure a validation run.
type Options struct {
	Seed    uint64 // draws the cohorts and every session
	Rats    int    // rats per cohort (mixed, high, low); 0 = DefaultRats
	Workers int    // sessions run in parallel; 0 = GOMAXPROCS
	// Model is the virtual rat judged; the zero Model is package rat's.
	Model Model
}

// A Model is the virtual rat a validation judges: how its populations are
// drawn, what a drug does to a rat, and how a rat is put in a chamber. The
// zero Model, and any nil field, is package rat's own (rat.Cohort,
// rat.Dosed, rat.New). The mutation tests build deliberately wrong models
// from it (a drug curve changed, a trait changed under one challenge) to
// show that the validation rejects each, with no global state touched.
type Model struct {
	Name   string
	Cohort func(n int, phenotype string, seed uint64) []rat.Traits
	Dosed  func(p rat.Traits, drug string, doseMgPerKg float64) (rat.Traits, error)
	// Subject puts a rat with traits p in a chamber for one session with
	// parameters params. A real rat cannot see the parameters; a wrong
	// model may use them (say, to make a long ITI change nothing).
	Subject func(p rat.Traits, params protocols.Params, seed uint64) sim.Subject
}

// withDefaults fills the nil fields with package rat's model.
func (m Model) withDefaults() Model {
	if m.Name == "" {
		m.Name = "rat"
	}
	if m.Cohort == nil {
		m.Cohort = rat.Cohort
	}
	if m.Dosed == nil {
		m.Dosed = rat.Dosed
	}
	if m.Subject == nil {
		m.Subject = func(p rat.Traits, params protocols.Params, seed uint64) sim.Subject {
			return rat.New(p, params.Holes, seed)
		}
	}
	return m
}

// A Check is one literature check and how the simulation did.
type Check struct {
	Name     string // what is checked
	Expected string // the expected direction or range, and the criterion
	Value    string // the simulated value
	Source   string // where the expectation comes from (docs/virtual-rat.md)
	Pass     bool
}

// A Report is the outcome of a validation run.
type Report struct {
	Model    string
	Seed     uint64
	Rats     int
	Sessions int
	Elapsed  time.Duration
	Checks   []Check
}

// Passed reports whether every check passed.
func (r Report) Passed() bool {
	for _, c := range r.Checks {
		if !c.Pass {
			return false
		}
	}
	return len(r.Checks) > 0
}

// An arm is one condition every rat of a cohort runs a session under.
type arm struct {
	cohort   string // phenotype
	protocol string // preset name, or shortITI
	drug     string
	dose     float64
	// retest, when not 0, gives the arm's sessions their own session
	// noise: every other arm shares each rat's session seed (common
	// random numbers), which would make a repeated session a copy.
	retest int
}

// shortITI is the short-ITI challenge: baseline with a 2 s ITI. It is not
// a preset, so the validation defines it.
const shortITI = "short_iti"

// completedBy is the session time by which completed trials are counted:
// a time-limited session's trial count, which a 100-trial cap hides.
const completedBy = 10 * time.Minute

// The measures taken from each session.
const (
	mAccuracy = iota
	mOmissions
	mPremature
	mPerseverative
	mCorrectLatency
	mRewardLatency
	mCompleted
	nMeasures
)

type measures [nMeasures]float64

// Run runs the validation: every arm's sessions, then every check.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Rats == 0 {
		o.Rats = DefaultRats
	}
	if o.Rats < 8 {
		return Report{}, fmt.Errorf("validate: %d rats per cohort is too few to be decisive (at least 8)", o.Rats)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	o.Model = o.Model.withDefaults()
	start := time.Now()
	cohorts := map[string][]rat.Traits{}
	for i, ph := range []string{rat.PhenotypeMixed, rat.PhenotypeHigh, rat.PhenotypeLow} {
		cohorts[ph] = o.Model.Cohort(o.Rats, ph, mix(o.Seed, 1<<40+uint64(i)))
		if len(cohorts[ph]) != o.Rats {
			return Report{}, fmt.Errorf("validate: model %s drew %d %s rats, want %d", o.Model.Name, len(cohorts[ph]), ph, o.Rats)
		}
	}
	arms := allArms()
	res, err := runArms(ctx, o, cohorts, arms)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Model: o.Model.Name, Seed: o.Seed, Rats: o.Rats, Sessions: len(arms) * o.Rats, Checks: checks(res)}
	acq, n, err := acquisitionChecks(ctx, o.Seed)
	if err != nil {
		return Report{}, fmt.Errorf("validate: acquisition: %w", err)
	}
	rep.Checks, rep.Sessions = append(rep.Checks, acq...), rep.Sessions+n
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// results holds, per arm, each rat's measures.
type results map[arm][]measures

// col returns one measure of an arm across rats.
func (r results) col(a arm, m int) []float64 {
	rows := r[a]
	x := make([]float64, len(rows))
	for i := range rows {
		x[i] = rows[i][m]
	}
	return x
}

func runArms(ctx context.Context, o Options, cohorts map[string][]rat.Traits, arms []arm) (results, error) {
	res := results{}
	type job struct {
		a   arm
		rat int
	}
	jobs := make(chan job)
	for _, a := range arms {
		res[a] = make([]measures, o.Rats)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < o.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				m, err := runSession(ctx, o.Model, cohorts[j.a.cohort][j.rat], j.a, mix(o.Seed, uint64(j.rat)<<8|uint64(j.a.retest)<<4|cohortSalt(j.a.cohort)))
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				res[j.a][j.rat] = m // each job owns its slot
			}
		}()
	}
feed:
	for _, a := range arms {
		for i := 0; i < o.Rats; i++ {
			select {
			case jobs <- job{a, i}:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return res, firstErr
}

func cohortSalt(phenotype string) uint64 {
	switch phenotype {
	case rat.PhenotypeHigh:
		return 1
	case rat.PhenotypeLow:
		return 2
	}
	return 0
}

// mix derives a seed from a seed and an index (SplitMix64's finalizer), so
// that neighbouring rats get unrelated streams.
func mix(seed, i uint64) uint64 {
	z := seed + (i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return (z ^ z>>31) & math.MaxInt64 // fits a stored seed
}

// Params returns the protocol parameters of a challenge by name: a preset
// (protocols.Lookup), or short_iti (baseline with a 2 s ITI).
func Params(protocol string) (protocols.Params, error) {
	if protocol == shortITI {
		p, err := protocols.Lookup("baseline")
		p.ITI = protocols.Duration(2 * time.Second)
		return p, err
	}
	return protocols.Lookup(protocol)
}

// runSession runs one whole session of a rat under an arm through the real
// runner in virtual time, and takes its measures.
func runSession(ctx context.Context, model Model, rp rat.Traits, a arm, seed uint64) (measures, error) {
	var m measures
	params, err := Params(a.protocol)
	if err != nil {
		return m, err
	}
	params.Seed = seed
	rp, err = model.Dosed(rp, a.drug, a.dose)
	if err != nil {
		return m, err
	}
	ps, err := protocols.NewSession(params)
	if err != nil {
		return m, err
	}
	ch := sim.NewVirtual(model.Subject(rp, params, seed))
	res, err := controller.Run(ctx, controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch})
	if err != nil {
		return m, err
	}
	if res.Err != nil {
		return m, fmt.Errorf("validate: session aborted: %w", res.Err)
	}
	c, s := res.Summary.Counters, res.Summary.Measures
	m[mAccuracy] = val(s.AccuracyPct)
	m[mOmissions] = val(s.OmissionsPct)
	m[mPremature] = float64(c.Premature)
	m[mPerseverative] = float64(c.Perseverative)
	m[mCorrectLatency] = val(s.CorrectLatencyMeanMs)
	m[mRewardLatency] = val(s.RewardLatencyMeanMs)
	m[mCompleted] = float64(completed(ps.Attempts(), params, completedBy))
	return m, nil
}

// completed counts the scored trials whose outcome came by t.
func completed(as []protocols.Attempt, p protocols.Params, t time.Duration) int {
	n := 0
	for _, a := range as {
		if !a.Outcome.Scored() {
			continue
		}
		at := a.Response
		if a.Outcome == protocols.Omission {
			window := a.SD + time.Duration(p.LimitedHold)
			if p.LimitedHoldFrom == protocols.FromStimulusOnset {
				window = max(a.SD, time.Duration(p.LimitedHold))
			}
			at = a.Onset + window
		}
		if at <= t {
			n++
		}
	}
	return n
}

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
