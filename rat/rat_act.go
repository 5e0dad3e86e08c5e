package rat

import (
	"math"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// trialRho is the attempt-to-attempt correlation of the rat's state;
// trialNoise keeps its variance at Variability².
const (
	trialRho   = 0.7
	trialNoise = 0.714142842854285 // √(1−ρ²)
)

// startWaiting begins a wait for the stimulus: the ITI began at t (the
// magazine light went off, or the house light came back on by itself). The
// rat settles its state for the attempt, goes back to the array and, if
// engaged, may fail to wait.
func (r *Rat) startWaiting(t time.Duration) {
	r.cancelAll()
	r.waiting, r.houseOnly = true, false
	r.itiStart, r.stimHole = t, 0
	r.detAt, r.respAt, r.respID = hardware.Forever, hardware.Forever, 0
	r.z = trialRho*r.z + trialNoise*r.p.Variability*r.rng.NormFloat64()
	r.expZ = math.Exp(-r.z)
	// Engaged with probability logistic(logit(Motivation) − Satiety·pellets/100 + z).
	r.engaged = chance(r.rng.Float64(), r.motOdds*r.satiety*r.expZ)
	back := r.p.ReturnTime
	if r.pellet {
		back = r.p.EatTime
	}
	r.pellet = false
	r.ready = t + r.latency(back, spread030)
	r.hazAt, r.hazID = hardware.Forever, 0
	if !r.engaged {
		return
	}
	r.hazAt = r.impulsivePoke(r.ready)
	if r.hazAt != hardware.Forever {
		r.hazHole = 1 + r.rng.IntN(r.holes)
		r.hazID, r.hazAt = r.poke(r.hazAt, hardware.Hole(r.hazHole))
	}
}

// impulsivePoke samples when waiting impulsivity makes the rat poke, given
// that it has not by from: the cumulative hazard since the ITI began is
// H(τ) = hazC·τ^β, so τ = (τ0^β + E/hazC)^(1/β) with E exponential.
func (r *Rat) impulsivePoke(from time.Duration) time.Duration {
	if r.hazC <= 0 {
		return hardware.Forever
	}
	tau0 := (from - r.itiStart).Seconds()
	e := r.rng.ExpFloat64() / r.hazC
	var tau float64
	if b := r.p.WaitShape; b == 2 {
		tau = math.Sqrt(tau0*tau0 + e)
	} else {
		tau = math.Pow(math.Pow(tau0, b)+e, 1/b)
	}
	if tau > 600 {
		return hardware.Forever
	}
	return r.itiStart + time.Duration(tau*float64(time.Second))
}

// stimulusOn starts the detection of a light in hole. The rat cannot know
// how long the light will stay on: it draws when it will notice the light,
// and whether it noticed in time is settled when the light goes off.
func (r *Rat) stimulusOn(t time.Duration, hole int) {
	// A wait that had ended, or already had its stimulus or its impulsive
	// poke, is stale: an attempt began unseen (with the house light left on
	// in time-outs, or auto initiation not yet learnt), the rat at the array.
	if !r.waiting || r.stimHole != 0 || (r.hazID != 0 && r.hazAt < t) {
		r.autoStart = r.autoStart || r.houseOnly
		r.startWaiting(t)
		r.ready = t
	}
	r.stimHole = hole
	r.detAt, r.respAt, r.respID = hardware.Forever, hardware.Forever, 0
	if !r.engaged {
		return
	}
	d := r.latencyRaw(r.p.PerceptionTime, spread035)
	if !chance(r.rng.Float64(), r.attOdds*r.expZ*r.waning(t)) { // not watching: scan first
		d += time.Duration(r.rng.ExpFloat64() * float64(r.p.ScanTime))
	}
	r.detAt = max(t, r.ready) + d
	if r.hazID != 0 && r.hazAt < r.detAt {
		return // an impulsive poke comes first: a fast guess
	}
	r.unplan(r.hazID) // detection takes over; hazAt is kept in case it fails
	r.hazID = 0
	// A good trial state speeds the response a little (first order in z);
	// a rat that has only just arrived at the array is not yet prepared.
	slow := max(0.5, 1-0.15*r.z)
	// (Beyond 8 time constants the term is below 0.04%: skipped.)
	if gap := max(t-r.ready, 0); r.p.Preparation > 0 && gap < 8*r.p.PreparationTime {
		slow *= 1 + r.p.Preparation*math.Exp(-float64(gap)/float64(r.p.PreparationTime))
	}
	motor := r.latency(time.Duration(float64(r.p.MotorTime)*slow), spread025)
	r.setLocation()
	r.respHole = hole
	if motor < r.locView {
		r.respHole = r.wrongHole(hole)
	}
	r.respID, r.respAt = r.poke(r.detAt+motor, hardware.Hole(r.respHole))
}

// waning is the factor on the odds against watching for a light at t: 1
// up to the moment the rat expects the light, exp(Waning·late/1 s) after
// it.
func (r *Rat) waning(t time.Duration) float64 {
	late := t - r.itiStart - r.p.ExpectedITI
	if late <= 0 || r.p.Waning <= 0 {
		return 1
	}
	return math.Exp(r.p.Waning * late.Seconds())
}

// stimulusOff settles detection: a light that went off before it was
// noticed was missed, and the rat goes on waiting (its impulsive poke, if
// any, becomes a guess); one that was seen briefly is located less well.
func (r *Rat) stimulusOff(t time.Duration) {
	if (r.respID != 0 && r.respAt <= t) || (r.hazID != 0 && r.hazAt <= t) {
		r.waiting = false
		return // the rat's own poke turned it off
	}
	if r.detAt <= t {
		if r.respID != 0 && r.respHole == r.stimHole && t-r.detAt < r.locView {
			r.unplan(r.respID)
			r.respHole = r.wrongHole(r.stimHole)
			r.respID, r.respAt = r.poke(r.respAt, hardware.Hole(r.respHole))
		}
		return
	}
	r.unplan(r.respID)
	r.respID, r.respAt, r.detAt = 0, hardware.Forever, hardware.Forever
	if r.hazID == 0 && r.hazAt != hardware.Forever && r.hazAt > t {
		r.hazID, r.hazAt = r.poke(r.hazAt, hardware.Hole(r.hazHole))
	}
}

// setLocation draws whether this stimulus will be located: the probability
// of a wrong hole after the light was in view for v after detection is
// ε(v) = LocationError + GlimpseError·exp(−v/GlimpseTime). For one uniform
// draw u, u < ε(v) ⟺ v < locView, so the draw is settled once, whenever
// the view turns out to end.
func (r *Rat) setLocation() {
	u := r.rng.Float64() - r.p.LocationError
	switch {
	case u < 0:
		r.locView = hardware.Forever // wrong however long the view
	case u >= r.p.GlimpseError:
		r.locView = -1 // right even from a glimpse
	default:
		r.locView = time.Duration(-float64(r.p.GlimpseTime) * math.Log(u/r.p.GlimpseError))
	}
}

// wrongHole is a hole other than hole: a neighbour more often than not, as
// real rats' errors are.
func (r *Rat) wrongHole(hole int) int {
	if r.rng.Float64() < 0.6 {
		switch {
		case hole == 1:
			return 2
		case hole == r.holes:
			return hole - 1
		case r.rng.IntN(2) == 0:
			return hole - 1
		default:
			return hole + 1
		}
	}
	h := 1 + r.rng.IntN(r.holes-1)
	if h >= hole {
		h++
	}
	return h
}

// reward reacts to a pellet: after a correct response the rat may poke
// again (perseverate) before it goes to collect.
func (r *Rat) reward(t time.Duration) {
	r.pellet = true
	if r.going { // the free pellet at the start: already on the way
		return
	}
	r.cancelAll()
	r.waiting = false
	r.pellets++
	r.satiety *= r.satStep
	p := r.perseveration(t)
	r.prime++
	at := t
	for i := 0; i < 3 && r.rng.Float64() < p; i++ {
		hole := r.stimHole // the hole just rewarded
		if hole == 0 || r.rng.Float64() < 0.3 {
			hole = 1 + r.rng.IntN(r.holes)
		}
		at += r.latency(350*time.Millisecond, spread040)
		_, at = r.poke(at, hardware.Hole(hole))
	}
	r.poke(at+r.latency(r.p.CollectTime, spread025), hardware.Magazine)
	r.going = true
}

// perseveration is the probability of a perseverative poke at t, primed
// by the correct responses before it.
func (r *Rat) perseveration(t time.Duration) float64 {
	r.prime *= math.Exp(-float64(t-r.primeAt) / float64(r.p.PrimingTime))
	r.primeAt = t
	return r.p.Perseveration * (1 + r.p.Priming*r.prime)
}

// initiate answers the magazine light without a pellet (after a time-out,
// or at the start): perhaps a perseverative poke, then the magazine.
func (r *Rat) initiate(t time.Duration) {
	r.cancelAll()
	r.waiting = false
	at := t
	if r.rng.Float64() < r.perseveration(t) {
		at += r.latency(400*time.Millisecond, spread040)
		_, at = r.poke(at, hardware.Hole(1+r.rng.IntN(r.holes)))
	}
	r.poke(at+r.latency(r.p.InitiationTime, spread040), hardware.Magazine)
	r.going = true
}

// dark reacts to the house light going off (a time-out, or the end): the
// wait is over; the rat may poke around in the dark.
func (r *Rat) dark(t time.Duration) {
	r.cancelAll()
	r.waiting = false
	r.hazAt, r.detAt = hardware.Forever, hardware.Forever
	n := r.poisson(r.toExp)
	for i := 0; i < n; i++ {
		at := t + time.Duration(r.rng.ExpFloat64()*1.5*float64(time.Second))
		r.poke(at, hardware.Hole(1+r.rng.IntN(r.holes)))
	}
}
