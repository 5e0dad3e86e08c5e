package rat

import (
	"math"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
)

// A Learner is a virtual rat that learns the task: it starts naive and
// acquires it across training sessions, as real rats do over the weeks
// before their first test day. It is a value a caller keeps per rat (it
// marshals to JSON as it is) and uses once a day:
//
//	traits := l.Traits()                          // today's rat
//	subject := rat.New(traits, holes, seed)       // run the session on it
//	l.After(rat.DayOf(params, summary.Counters))  // tell it what happened
//
// For a magazine-training (habituation) session, tell it
// Day{Magazine: true, Pellets: collected}. Only the sessions it is told of
// teach it; a session left out (aborted, not run) teaches nothing. The
// model and its calibration are in docs/virtual-rat.md.
type Learner struct {
	// Trained is the rat it becomes once it has learnt everything: its
	// individual traits as a trained rat (Cohort's, or Default).
	Trained Traits
	Rates   Rates
	Skills  Skills
	// ExpectedITI is the ITI it has come to expect, learnt from the ITIs of
	// its sessions; 0 before its first task session (Trained's applies).
	ExpectedITI time.Duration
	Sessions    int // sessions it has been told of
}

// Skills are what a rat has learnt, each from 0 (naive) to 1 (trained).
type Skills struct {
	// Magazine is magazine approach: a naive rat is slow to find a pellet
	// and to start an attempt at the magazine.
	Magazine float64
	// Mapping is the stimulus-response rule: poking the lit hole brings a
	// pellet. A naive rat rarely engages in an attempt and, when it pokes,
	// pokes anywhere.
	Mapping float64
	// Attention is attention to brief stimuli: watching the array and
	// finding a light quickly. It is trained by responding to short ones.
	Attention float64
	// Waiting is withholding responses until the light comes: trained by
	// the waits of each attempt, rewarded or punished by a time-out.
	Waiting float64
}

// Rates are one rat's learning rates, each per learning event (a pellet
// collected, a rewarded trial, an attempt waited through), and the ceiling
// of its attention: below 1 for the rats that never learn to attend to
// brief stimuli well enough to reach the baseline criteria.
type Rates struct {
	Magazine, Mapping, Attention, Waiting float64
	AttentionCeiling                      float64
}

// A Day is what a learner is told of one session: what the task demanded
// and what the rat did.
type Day struct {
	// Magazine marks a magazine-training session: pellets on a
	// variable-time schedule, the magazine light on until each collection,
	// no holes lit. Only Pellets counts.
	Magazine bool
	// SD and ITI are the session's stimulus duration and ITI (their means,
	// when drawn per attempt).
	SD, ITI                                  time.Duration
	Pellets                                  int // pellets the rat collected (or earned)
	Correct, Incorrect, Omissions, Premature int
}

// DayOf is the Day of a task session with parameters p and counters c.
// Pellets are the correct trials and the free pellet at the start.
func DayOf(p protocols.Params, c protocols.Counters) Day {
	if p.Mode == protocols.ModeMagazine { // its "correct" trials are pellets delivered
		return Day{Magazine: true, Pellets: c.Correct}
	}
	d := Day{SD: mean(p.StimulusDuration, p.StimulusDurations), ITI: mean(p.ITI, p.ITIChoices),
		Correct: c.Correct, Incorrect: c.Incorrect, Omissions: c.Omissions, Premature: c.Premature, Pellets: c.Correct}
	if p.FreePelletAtStart {
		d.Pellets++
	}
	return d
}

func mean(fixed protocols.Duration, choices []protocols.Duration) time.Duration {
	if len(choices) == 0 {
		return time.Duration(fixed)
	}
	var sum time.Duration
	for _, c := range choices {
		sum += time.Duration(c)
	}
	return sum / time.Duration(len(choices))
}

// How a naive rat differs from the trained one it becomes; each term
// scales with what is still to learn (1 − skill), so a rat whose skills
// are all 1 has exactly its trained traits.
const (
	naiveCollect   = 25  // collection and initiation latencies ×(1 + 25): tens of seconds, not one
	naiveMagEngage = 2   // log-odds of engaging lost without magazine approach
	naiveEngage    = 3.5 // log-odds of engaging lost without the rule
	naiveWrong     = 0.7 // wrong-hole probability without the rule: the lit hole a little likelier than chance (0.8)
	naiveAttend    = 3.5 // log-odds of watching lost without attention
	naiveScan      = 3   // scan time ×(1 + 3)
	naiveWait      = 2.3 // premature hazard ×e^2.3 (10×) before waiting is learnt
	naivePersev    = 2   // perseverative and time-out pokes ×(1 + 2)
	expectRate     = 0.5 // share of the gap to the session's ITI the expected ITI closes per session
)

// Traits are the rat's traits today, given what it has learnt.
func (l *Learner) Traits() Traits {
	t := l.Trained.withDefaults()
	k := l.Skills
	if g := 1 - k.Magazine; g > 0 {
		t.CollectTime = scaleDuration(t.CollectTime, 1+naiveCollect*g)
		t.InitiationTime = scaleDuration(t.InitiationTime, 1+naiveCollect*g)
		t.Motivation = logistic(logit(t.Motivation) - naiveMagEngage*g)
	}
	if g := 1 - k.Mapping; g > 0 {
		t.Motivation = logistic(logit(t.Motivation) - naiveEngage*g)
		t.LocationError += (naiveWrong - t.LocationError) * g
		t.Perseveration *= 1 + naivePersev*g
	}
	if g := 1 - k.Attention; g > 0 {
		t.Attention = logistic(logit(t.Attention) - naiveAttend*g)
		t.ScanTime = scaleDuration(t.ScanTime, 1+naiveScan*g)
	}
	if g := 1 - k.Waiting; g > 0 {
		t.Impulsivity *= math.Exp(naiveWait * g)
		t.TimeoutPokes *= 1 + naivePersev*g
	}
	if l.ExpectedITI > 0 {
		t.ExpectedITI = l.ExpectedITI
	}
	return t
}

// After teaches the rat what one session taught it. Each skill moves
// towards its ceiling by a share 1 − e^(−rate·events) of the way left:
// magazine approach with every pellet collected; the stimulus-response rule
// with every rewarded trial (a pellet the rat knows to collect);
// attention with every rewarded trial, weighted by how brief the light was
// (full weight at 1 s or less); waiting with every attempt waited through
// to its response or its premature poke, weighted by the ITI's length
// (full weight at 5 s or more).
func (l *Learner) After(d Day) {
	l.Sessions++
	k, r := &l.Skills, l.Rates
	k.Magazine = approach(k.Magazine, 1, r.Magazine*float64(d.Pellets))
	if d.Magazine {
		return
	}
	rewarded := float64(d.Correct) * k.Magazine
	demand := 0.0
	if d.SD > 0 {
		demand = min(1, float64(time.Second)/float64(d.SD))
	}
	waits := float64(d.Correct+d.Incorrect+d.Premature) * min(1, float64(d.ITI)/float64(5*time.Second))
	k.Mapping = approach(k.Mapping, 1, r.Mapping*rewarded)
	k.Attention = approach(k.Attention, r.AttentionCeiling, r.Attention*demand*rewarded)
	k.Waiting = approach(k.Waiting, 1, r.Waiting*waits)
	switch {
	case d.ITI <= 0:
	case l.ExpectedITI <= 0:
		l.ExpectedITI = d.ITI
	default:
		l.ExpectedITI += time.Duration(expectRate * float64(d.ITI-l.ExpectedITI))
	}
}

// approach moves x towards ceiling by a share 1 − e^(−events) of the way.
func approach(x, ceiling, events float64) float64 {
	if x >= ceiling || events <= 0 {
		return x
	}
	return ceiling - (ceiling-x)*math.Exp(-events)
}
