package rat

import (
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
)

// poke schedules an entry into in at t (later if the beam is still held)
// and its release, and remembers it so that it can be withdrawn. It returns
// the entry's id and time.
func (r *Rat) poke(t time.Duration, in hardware.Input) (sim.ActionID, time.Duration) {
	if t <= r.busy[in] {
		t = r.busy[in] + time.Millisecond
	}
	hold := time.Duration(100+r.rng.IntN(300)) * time.Millisecond
	id := r.acts.Schedule(t, in, true)
	r.acts.Schedule(t+hold, in, false)
	r.remember(plan{id: id, at: t, until: t + hold, prev: r.busy[in], in: in})
	r.busy[in] = t + hold
	return id, t
}

// remember keeps a plan, forgetting those whose entry is past.
func (r *Rat) remember(p plan) {
	n := 0
	for _, q := range r.plans[:r.nplan] {
		if q.at > r.now {
			r.plans[n] = q
			n++
		}
	}
	if n == len(r.plans) { // cannot happen with at most 6 pokes planned; drop the oldest
		copy(r.plans[:], r.plans[1:])
		n--
	}
	r.plans[n] = p
	r.nplan = n + 1
}

// unplan withdraws the poke with entry id if it has not happened. An entry
// due at this very instant counts as happened: either it caused what the rat
// is reacting to, or (after a timer at the same time) it will happen next,
// as R19 orders it.
func (r *Rat) unplan(id sim.ActionID) {
	if id == 0 {
		return
	}
	for i := r.nplan - 1; i >= 0; i-- {
		p := r.plans[i]
		if p.id != id {
			continue
		}
		if p.at > r.now {
			r.acts.Cancel(p.id)
			r.acts.Cancel(p.id + 1)
			if r.busy[p.in] == p.until { // the latest use of the beam
				r.busy[p.in] = p.prev
			}
		}
		r.nplan--
		r.plans[i] = r.plans[r.nplan]
		return
	}
}

// cancelAll withdraws every poke that has not happened, latest first so
// that the beams' busy times unwind in order.
func (r *Rat) cancelAll() {
	for i := r.nplan - 1; i >= 0; i-- {
		p := r.plans[i]
		if p.at > r.now {
			r.acts.Cancel(p.id)
			r.acts.Cancel(p.id + 1)
			if r.busy[p.in] == p.until {
				r.busy[p.in] = p.prev
			}
		}
	}
	r.nplan = 0
	r.hazID, r.respID = 0, 0
}
