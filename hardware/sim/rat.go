package sim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// RatParams are the behavioural traits of a virtual rat. The model is kept
// deliberately simple: enough to run whole sessions with realistic mixes of
// outcomes; the calibration to the literature lives with the study tools.
type RatParams struct {
	// Attention is the probability of detecting a 500 ms stimulus; shorter
	// stimuli are detected less often, longer ones more.
	Attention float64
	// Impulsivity is the premature-response hazard (per second) reached 5 s
	// into the ITI; the hazard grows linearly from zero at ITI onset, so a
	// longer ITI gives more premature responses.
	Impulsivity float64
	// Motivation is the probability of responding at all to a stimulus
	// (1 − the omission probability).
	Motivation float64
	// Speed scales the response and collection latencies (1 = typical).
	Speed float64
	// Perseveration is the probability of a perseverative poke between a
	// correct response and the collection.
	Perseveration float64
}

// DefaultRat is a trained rat at baseline.
func DefaultRat() RatParams {
	return RatParams{Attention: 0.85, Impulsivity: 0.04, Motivation: 0.92, Speed: 1, Perseveration: 0.05}
}

// Rat is a virtual rat: a Subject that reacts to what the chamber shows,
// with every random draw from its own seeded source.
type Rat struct {
	p       RatParams
	holes   int
	rng     *rand.Rand
	sch     Scheduler
	busy    [hardware.Magazine + 1]time.Duration // a beam is held until then
	plan    ActionID                             // a planned premature poke
	planIn  hardware.Input                       // its hole
	planWas time.Duration                        // that hole's busy time before the plan
	planAt  time.Duration                        // when it is due
	planned bool
	magOn   bool
	going   bool // on the way to the magazine for a pellet
	houseOn bool
	stimOn  time.Duration
}

// NewRat returns a virtual rat in a chamber with holes holes.
func NewRat(p RatParams, holes int, seed uint64) *Rat {
	return &Rat{p: p, holes: holes, rng: rand.New(rand.NewPCG(seed, 0x5eed))}
}

// Begin walks to the magazine for the free pellet, which starts attempt 1.
func (r *Rat) Begin(s Scheduler) {
	r.sch = s
	r.houseOn, r.magOn = true, true
	r.visit(r.latency(1500*time.Millisecond, 0.5), hardware.Magazine)
}

// Observe reacts to the lights and the pellet.
func (r *Rat) Observe(t time.Duration, o hardware.Output, on bool) {
	if hole, ok := o.Stimulus(); ok {
		if on {
			r.stimOn = t
			r.respond(t, hole)
		}
		return
	}
	switch o {
	case hardware.Pellet:
		if t > 0 { // the free pellet is collected on the way to starting
			if r.rng.Float64() < r.p.Perseveration {
				r.visit(t+r.latency(400*time.Millisecond, 0.4), hardware.Hole(1+r.rng.IntN(r.holes)))
			}
			r.visit(t+r.latency(1500*time.Millisecond, 0.3), hardware.Magazine)
			r.going = true
		}
	case hardware.MagazineLight:
		r.magOn = on
		if !on {
			r.going = false
		}
		if on && t > 0 && r.houseOn && !r.going { // await initiation after a time-out
			r.visit(t+r.latency(2*time.Second, 0.5), hardware.Magazine)
		}
		if !on && r.houseOn { // the ITI has begun: wait, or fail to
			r.waitITI(t)
		}
	case hardware.HouseLight:
		r.houseOn = on
		if on && !r.magOn { // auto initiation: the ITI began at the TO's end
			r.waitITI(t)
		}
		if !on {
			r.cancelPlan(t)
		}
	}
}

// waitITI plans a premature poke from a hazard that grows linearly through
// the ITI: H(t) = k t²/2 with k = Impulsivity/5s, sampled by inversion.
func (r *Rat) waitITI(t time.Duration) {
	r.cancelPlan(t)
	if r.p.Impulsivity <= 0 {
		return
	}
	k := r.p.Impulsivity / 5.0
	wait := math.Sqrt(2 * r.rng.ExpFloat64() / k)
	if wait > 60 {
		return
	}
	at := t + time.Duration(wait*float64(time.Second))
	r.planIn = hardware.Hole(1 + r.rng.IntN(r.holes))
	r.planWas = r.busy[r.planIn]
	r.planAt = at
	r.plan = r.visit(at, r.planIn)
	r.planned = true
}

// cancelPlan withdraws a planned premature poke that has not happened by t.
func (r *Rat) cancelPlan(t time.Duration) {
	if r.planned && r.planAt >= t {
		r.sch.Cancel(r.plan)
		r.sch.Cancel(r.plan + 1) // its release
		r.busy[r.planIn] = r.planWas
	}
	r.planned = false
}

// respond decides what to do about a stimulus in hole: detect it and poke
// there, poke elsewhere, or do nothing (an omission).
func (r *Rat) respond(t time.Duration, hole int) {
	r.cancelPlan(t)
	if r.rng.Float64() >= r.p.Motivation {
		return
	}
	target := hole
	if r.rng.Float64() >= r.p.Attention {
		target = 1 + r.rng.IntN(r.holes-1)
		if target >= hole {
			target++
		}
	}
	r.visit(t+r.latency(650*time.Millisecond, 0.3), hardware.Hole(target))
}

// latency draws a lognormal latency with the given median and spread,
// scaled by the rat's speed.
func (r *Rat) latency(median time.Duration, sigma float64) time.Duration {
	speed := r.p.Speed
	if speed <= 0 {
		speed = 1
	}
	return time.Duration(float64(median) * math.Exp(sigma*r.rng.NormFloat64()) / speed)
}

// visit breaks a beam at t (later if it is still held) and restores it a
// little later; it returns the entry's id so that a plan can be withdrawn
// (the release is the next id).
func (r *Rat) visit(t time.Duration, in hardware.Input) ActionID {
	if t <= r.busy[in] {
		t = r.busy[in] + time.Millisecond
	}
	hold := time.Duration(100+r.rng.IntN(300)) * time.Millisecond
	id := r.sch.Schedule(t, in, true)
	r.sch.Schedule(t+hold, in, false)
	r.busy[in] = t + hold
	return id
}
