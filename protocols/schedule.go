package protocols

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Random streams: each kind of draw has its own stream of the session's
// seed, so that adding, say, a variable ITI does not change which holes a
// seed presents.
const (
	streamTargets = 1
	streamITI     = 2
	streamSD      = 3
)

// targetSchedule gives the target of each scored trial (R15). It grows on
// demand, so an attempt that does not use up its target (a premature or
// unfinished one) simply asks for the same index again.
type targetSchedule struct {
	list     []int
	scripted bool
	balanced bool
	holes    []int // the active holes (R15 draws only from them)
	rng      *rand.Rand
}

func newTargetSchedule(p Params) targetSchedule {
	if p.Targets != nil {
		return targetSchedule{list: p.Targets, scripted: true}
	}
	return targetSchedule{
		balanced: p.LocationSchedule == ScheduleBalanced,
		holes:    p.targetHoles(),
		rng:      rand.New(rand.NewPCG(p.Seed, streamTargets)),
	}
}

// at returns the target of scored trial i (from 0).
func (t *targetSchedule) at(i int) (int, error) {
	for i >= len(t.list) {
		if t.scripted {
			return 0, fmt.Errorf("targets: no target left for scored trial %d (the list has %d)", i+1, len(t.list))
		}
		if t.balanced { // each block of `holes` trials is a permutation
			for _, h := range t.rng.Perm(len(t.holes)) {
				t.list = append(t.list, t.holes[h])
			}
		} else {
			t.list = append(t.list, t.holes[t.rng.IntN(len(t.holes))])
		}
	}
	return t.list[i], nil
}

// durationSchedule gives each attempt its ITI or SD (R16): fixed, drawn
// uniformly from choices with the session's seed, or scripted.
type durationSchedule struct {
	name    string
	fixed   time.Duration
	choices []Duration
	script  []Duration
	rng     *rand.Rand
}

func newDurationSchedule(name string, fixed Duration, choices, script []Duration, seed uint64, stream uint64) durationSchedule {
	d := durationSchedule{name: name, fixed: time.Duration(fixed), choices: choices, script: script}
	if script == nil && len(choices) > 0 {
		d.rng = rand.New(rand.NewPCG(seed, stream))
	}
	return d
}

// at returns the value for attempt i (from 0). Draws happen in attempt
// order, so each attempt's value depends only on the seed and i.
func (d *durationSchedule) at(i int) (time.Duration, error) {
	switch {
	case d.script != nil:
		if i >= len(d.script) {
			return 0, fmt.Errorf("%s: no value left for attempt %d (the list has %d)", d.name, i+1, len(d.script))
		}
		return time.Duration(d.script[i]), nil
	case d.rng != nil:
		return time.Duration(d.choices[d.rng.IntN(len(d.choices))]), nil
	}
	return d.fixed, nil
}
