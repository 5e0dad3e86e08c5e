// Package rat is the virtual rat: a behavioural model of a trained rat in
// the five-choice task, the subject put in a simulated chamber
// (hardware/sim) for simulated sessions and studies. It is a model of an
// animal, not a device, so it lives apart from package hardware: it sees
// only what a rat sees through the sim.Subject contract (lights, pellets)
// and acts only by breaking beams through sim.Actions.
//
// Traits are one rat's behaviour (Default is a typical trained rat), New
// puts a rat with those traits in a chamber for one session, Cohort draws
// a population of individual rats and Dosed gives a rat a drug. The model,
// its calibration and its sources are in docs/virtual-rat.md; package
// rat/validate checks it against the literature.
package rat

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
)

// Traits are the behavioural traits of a virtual rat. The model and the
// calibration of every default are described in docs/virtual-rat.md; the
// traits are what a population varies (Cohort) and what a drug changes
// (Dosed). A zero duration, WaitShape or Speed takes its default, so a
// literal that names only some traits still gives a working rat; every
// other zero means zero.
type Traits struct {
	// Attention is the probability that the rat is watching the array when
	// a stimulus comes on (on the log-odds scale the trial-to-trial state is
	// added to). A rat that is not watching notices the light only after a
	// scan (ScanTime), so short stimuli are missed more often.
	Attention float64
	// PerceptionTime is the median time from onset (or from arriving at the
	// array) to detection for a watching rat; lognormal, σ 0.35.
	PerceptionTime time.Duration
	// ScanTime is the mean extra time (exponential) a rat that was not
	// watching takes to notice a light that is on.
	ScanTime time.Duration
	// LocationError is the probability of poking a wrong hole after a clear
	// view of the stimulus.
	LocationError float64
	// GlimpseError is the extra wrong-hole probability when the light goes
	// off at the instant it is detected; it decays with the time the light
	// stays in view after detection, with time constant GlimpseTime.
	GlimpseError float64
	GlimpseTime  time.Duration
	// ExpectedITI is when the rat expects the light, counted from the start
	// of the ITI: the ITI it was trained on. Its attention is timed to that
	// moment and wanes after it: the log-odds of watching fall by Waning
	// per second the light comes later, so a longer ITI than the trained
	// one lowers accuracy (Navarra et al. 2008) as well as raising
	// premature responses; a shorter one does not (Paterson et al. 2011).
	ExpectedITI time.Duration
	Waning      float64

	// Impulsivity is the premature-response hazard (per second) reached
	// 5 s into the wait for the stimulus. The hazard is
	// h(τ) = Impulsivity·(τ/5 s)^(WaitShape−1) with τ the time since the ITI
	// began, from the moment the rat is back at the array: it grows through
	// the wait, so a longer ITI gives more premature responses.
	Impulsivity float64
	// WaitShape is the shape β of the waiting hazard (2: linear growth).
	WaitShape float64

	// Motivation is the probability of being engaged in an attempt at the
	// start of the session. A disengaged rat neither waits nor watches: the
	// attempt is an omission.
	Motivation float64
	// Satiety is the fall in the log-odds of engagement per 100 pellets.
	Satiety float64
	// Speed divides every motor latency (1 = typical, 0.8 = 25% slower).
	Speed float64
	// MotorTime is the median time from detection to the poke (lognormal,
	// σ 0.25).
	MotorTime time.Duration
	// CollectTime is the median time from a pellet to the magazine entry
	// that collects it (lognormal, σ 0.25).
	CollectTime time.Duration
	// EatTime is the median time from collecting a pellet to being back at
	// the array, ready (lognormal, σ 0.3).
	EatTime time.Duration
	// ReturnTime is the median time from an initiating magazine entry
	// (no pellet) to being back at the array (lognormal, σ 0.3).
	ReturnTime time.Duration
	// InitiationTime is the median latency of the magazine entry that
	// starts an attempt after a time-out (lognormal, σ 0.4).
	InitiationTime time.Duration
	// Preparation is the fractional slowing of a response to a stimulus
	// that comes as the rat arrives at the array; it fades with the time
	// the rat has been there, with time constant PreparationTime. A short
	// ITI, which leaves little time after eating, slows responses.
	Preparation     float64
	PreparationTime time.Duration

	// Perseveration is the base probability of a perseverative poke after
	// a correct response (each further one with the same probability, at
	// most 3) and after a time-out, before initiating.
	Perseveration float64
	// Priming scales perseveration by recent responding (response
	// priming): the probability is Perseveration·(1 + Priming·m), where m
	// counts earlier correct responses with weights that decay with time
	// constant PrimingTime. A fast pace (a short ITI) raises it.
	Priming     float64
	PrimingTime time.Duration
	// TimeoutPokes is the mean number (Poisson) of hole pokes per time-out.
	TimeoutPokes float64

	// Variability is the standard deviation of the trial-to-trial state, an
	// AR(1) process (ρ 0.7) added to the log-odds of watching and of
	// engagement: lapses and omissions come in runs, as in real rats.
	Variability float64
	// DayToDay is the standard deviation of the session-to-session jitter
	// of impulsivity (log), attention (log-odds) and speed (log).
	DayToDay float64
}

// Default is a typical trained rat, the median of the population Cohort
// draws from. At baseline it averages 86.5% accuracy, 10% omissions and 9
// premature responses per 100-trial session; single sessions scatter
// around that by several points (binomial noise and day-to-day jitter),
// as a real rat's do.
func Default() Traits {
	ms := time.Millisecond
	return Traits{
		Attention: 0.93, PerceptionTime: 150 * ms, ScanTime: 500 * ms,
		LocationError: 0.1, GlimpseError: 0.3, GlimpseTime: 120 * ms,
		ExpectedITI: 5 * time.Second, Waning: 0.7,
		Impulsivity: 0.04, WaitShape: 2,
		Motivation: 0.95, Satiety: 0.5, Speed: 1,
		MotorTime: 420 * ms, CollectTime: 1350 * ms, EatTime: 1600 * ms,
		ReturnTime: 600 * ms, InitiationTime: 1500 * ms, Preparation: 0.4, PreparationTime: time.Second,
		Perseveration: 0.025, Priming: 4, PrimingTime: 8 * time.Second, TimeoutPokes: 0.2,
		Variability: 0.5, DayToDay: 0.1,
	}
}

// withDefaults fills the zero durations and shapes, which have no useful
// zero meaning.
func (p Traits) withDefaults() Traits {
	d := Default()
	for _, f := range []struct{ v, def *time.Duration }{
		{&p.PerceptionTime, &d.PerceptionTime}, {&p.ScanTime, &d.ScanTime}, {&p.GlimpseTime, &d.GlimpseTime},
		{&p.MotorTime, &d.MotorTime}, {&p.CollectTime, &d.CollectTime}, {&p.EatTime, &d.EatTime},
		{&p.ReturnTime, &d.ReturnTime}, {&p.InitiationTime, &d.InitiationTime}, {&p.PrimingTime, &d.PrimingTime},
		{&p.PreparationTime, &d.PreparationTime}, {&p.ExpectedITI, &d.ExpectedITI},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	if p.WaitShape <= 0 {
		p.WaitShape = d.WaitShape
	}
	if p.Speed <= 0 {
		p.Speed = 1
	}
	return p
}

// Rat is a virtual rat: a sim.Subject that sees only what a rat sees (lights
// and pellets) and acts by breaking beams, with every random draw from its
// own seeded source. It makes no allocation per event.
type Rat struct {
	p     Traits // this session's traits (after the day-to-day jitter)
	holes int
	src   rand.PCG
	rng   *rand.Rand
	acts  sim.Actions
	now   time.Duration

	// Derived once per session.
	attOdds, motOdds float64 // odds against watching and against engagement
	hazC             float64 // H(τ) = hazC·τ^β, τ in seconds
	satiety          float64 // exp(Satiety·pellets/100)
	satStep          float64 // its factor per pellet
	toExp            float64 // exp(−TimeoutPokes)

	busy  [hardware.Magazine + 1]time.Duration // a beam is held until then
	plans [8]plan
	nplan int

	house, mag    bool
	pellet, going bool // a pellet waits or is being eaten; on the way to the magazine
	engaged       bool
	waiting       bool // between the start of a wait and the rat's response
	// autoStart is learnt: the house light coming back on by itself starts
	// an attempt (initiation: auto). Until a stimulus shows it, the rat
	// expects the magazine light to follow, as it usually does at once.
	autoStart, houseOnly bool
	z, expZ              float64 // trial-to-trial state, and exp(−z)
	pellets              int
	prime                float64 // decaying count of recent correct responses
	primeAt              time.Duration

	itiStart, ready time.Duration
	hazAt           time.Duration // the impulsive poke of this wait, hardware.Forever for none
	hazID           sim.ActionID  // its scheduled entry, 0 while withdrawn
	hazHole         int
	stimHole        int
	detAt, respAt   time.Duration // detection and response of this stimulus
	respID          sim.ActionID
	respHole        int
	locView         time.Duration // a view shorter than this locates the wrong hole
}

// A plan is a scheduled poke the rat may still withdraw.
type plan struct {
	id        sim.ActionID // the entry; its release is id+1
	at, until time.Duration
	prev      time.Duration // the beam's busy time before it
	in        hardware.Input
}

// New returns a virtual rat with traits p for a chamber with holes holes;
// seed (the session's) decides every draw, including the day's jitter of
// its traits.
func New(p Traits, holes int, seed uint64) *Rat {
	r := &Rat{holes: max(holes, 2)}
	r.src.Seed(seed, 0x5eed)
	r.rng = rand.New(&r.src)
	p = p.withDefaults()
	if p.DayToDay > 0 {
		p.Impulsivity *= math.Exp(p.DayToDay * r.rng.NormFloat64())
		p.Attention = logistic(logit(p.Attention) + p.DayToDay*r.rng.NormFloat64())
		p.Speed *= math.Exp(p.DayToDay / 2 * r.rng.NormFloat64())
	}
	r.p = p
	r.attOdds, r.motOdds = math.Exp(-logit(p.Attention)), math.Exp(-logit(p.Motivation))
	r.satiety, r.satStep = 1, math.Exp(p.Satiety/100)
	r.toExp = math.Exp(-max(p.TimeoutPokes, 0))
	r.hazC = max(p.Impulsivity, 0) / (p.WaitShape * math.Pow(5, p.WaitShape-1))
	return r
}

// Traits returns the traits the rat runs this session with (after the
// day-to-day jitter New draws).
func (r *Rat) Traits() Traits { return r.p }

// Begin is called at session time zero; the rat reacts to the lights that
// come on next.
func (r *Rat) Begin(a sim.Actions) {
	r.acts = a
	r.hazAt, r.detAt, r.respAt = hardware.Forever, hardware.Forever, hardware.Forever
}

// Observe reacts to a light going on or off, or a pellet.
func (r *Rat) Observe(t time.Duration, o hardware.Output, on bool) {
	r.now = t
	if hole, ok := o.Stimulus(); ok {
		if on {
			r.stimulusOn(t, hole)
		} else if hole == r.stimHole {
			r.stimulusOff(t)
		}
		return
	}
	switch o {
	case hardware.Pellet:
		r.reward(t)
	case hardware.MagazineLight:
		r.mag = on
		switch {
		case on && !r.going:
			r.initiate(t)
		case !on:
			r.going = false
			if r.house { // the ITI has begun at this entry (R5, R11)
				r.startWaiting(t)
			}
		}
	case hardware.HouseLight:
		r.house = on
		switch {
		case !on:
			r.dark(t)
		case r.mag: // already called to the magazine
		case r.autoStart: // auto initiation: the ITI began as the time-out ended
			r.startWaiting(t)
		default: // the magazine light usually follows at once; see stimulusOn
			r.houseOnly = true
		}
	}
}

var _ sim.Subject = (*Rat)(nil)
