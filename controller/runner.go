// Package controller runs sessions: it binds a protocol to a chamber and a
// timeline, applies the protocol's output commands, and hands every event
// and attempt to a recorder. The same runner runs real chambers in real time
// and simulated chambers in virtual time; the difference lies entirely in
// the Timeline it is given.
package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/controller/timing"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// A Timeline orders a chamber's inputs and the protocol's deadlines on the
// session clock.
type Timeline interface {
	// Next returns the next input that happened before deadline (ok), or
	// ok=false once the deadline has been reached with no earlier input.
	Next(ctx context.Context, deadline time.Duration) (ev hardware.Event, ok bool, err error)
	// Now is the current session time.
	Now() time.Duration
}

// A Recorder keeps what a session produces. The runner calls it from its
// own goroutine; implementations must return quickly (queue, don't write),
// since a slow disk must never delay a stimulus light.
type Recorder interface {
	Event(storage.Event)
	Attempt(protocols.Attempt)
}

// A Session is one session to run.
type Session struct {
	Protocol *protocols.Session
	Chamber  hardware.Chamber
	// Timeline is where inputs and time come from; nil means real time on
	// the chamber's Events.
	Timeline Timeline
	Recorder Recorder // nil: record nothing
	// Progress, if set, is called after every step with the protocol, for
	// live views; it runs on the runner's goroutine and must be quick.
	Progress func(*protocols.Session)
	// Observer, if set, is told what happens, for metrics.
	Observer Observer
	// Scheduler, if set, fires a real-time session's deadlines (shared by
	// every chamber); nil uses Go's timers, about a millisecond late.
	// Virtual time ignores it.
	Scheduler *timing.Scheduler
	// InputLatency is how long after it happened an input can reach the
	// runner in real time (USB latency, for a serial board). When a
	// deadline comes, the runner waits up to this long for inputs stamped
	// before it, so that they are processed before the expiry (R18, R19)
	// at the cost of carrying out the transition up to this much later;
	// an input stamped at or after the deadline ends the wait at once,
	// since chambers deliver inputs in order. 0 does not wait (inputs
	// already delivered are still taken first). Virtual time ignores it.
	InputLatency time.Duration
}

// An Observer is told of a session's happenings as they happen, on the
// runner's goroutine; it must be quick (update counters, no I/O).
type Observer interface {
	// Input is an input edge and what it counted as; latency is the
	// response latency of a correct or incorrect response, the reward
	// latency of a collection, the premature latency of a premature
	// response, and protocols.None otherwise.
	Input(class protocols.Class, latency time.Duration)
	// Outcome is an attempt getting its outcome.
	Outcome(a protocols.Attempt)
	// Transition is a timer-driven change of state (kind names it, e.g.
	// "stimulus_onset") and how late after its deadline the chamber
	// carried it out.
	Transition(kind string, lateness time.Duration)
	// LostInputs is a gap of n in the backend's input sequence numbers.
	LostInputs(n uint64)
}

// A Result is how a session ended.
type Result struct {
	Ended     bool          // false when a virtual run reached its horizon first
	At        time.Duration // session time of the end (or of the horizon)
	EndReason string
	Err       error // the fault behind an aborted session
	StartedAt time.Time
	Summary   protocols.Summary
	// Lateness is how late after its deadline the chamber carried out each
	// timer-driven transition (stimulus onset at the ITI's end, stimulus
	// offset, window close, time-out end, session end), the same values the
	// Observer's Transition gets: real time only; nil on virtual time,
	// where there is none.
	Lateness *timing.Histogram
}

type runner struct {
	s        Session
	tl       Timeline
	seq      uint64
	err      error
	hwSeq    uint64 // the last input sequence number seen
	outcomes int    // attempts whose outcome the observer has been told
	lastAt   time.Duration
	late     *timing.Histogram // real time only
}

// Run runs the session to its end. Cancelling ctx ends it with reason
// "stopped"; a hardware fault ends it with reason "aborted" and the fault in
// Result.Err. Every output is off when Run returns, on every path.
func Run(ctx context.Context, s Session) (res Result, err error) {
	r := &runner{s: s, tl: s.Timeline, lastAt: protocols.None}
	start, err := s.Chamber.Begin()
	if err != nil {
		return res, fmt.Errorf("begin session: %w", err)
	}
	res.StartedAt = start
	defer func() {
		if herr := s.Chamber.Halt(); herr != nil && err == nil && res.Err == nil {
			res.Err = fmt.Errorf("halt: %w", herr)
		}
	}()
	if r.tl == nil {
		r.tl = newWallTimeline(s.Chamber, start, s.Scheduler, s.InputLatency)
		r.late = timing.NewHistogram()
		res.Lateness = r.late
	}
	p := s.Protocol
	health, _ := s.Recorder.(interface{ Err() error })
	r.apply(p.Start())
	r.attempts()
	for r.err == nil {
		if health != nil {
			if err := health.Err(); err != nil { // the record is no longer complete
				r.err = fmt.Errorf("recording: %w", err)
				break
			}
		}
		if _, _, ended := p.Ended(); ended {
			break
		}
		deadline, ok := p.Deadline()
		if !ok {
			deadline = hardware.Forever
		}
		ev, got, nerr := r.tl.Next(ctx, deadline)
		switch {
		case nerr != nil && isHorizon(nerr):
			p.Expire(r.tl.Now())
			res.At = r.tl.Now()
			res.Summary = protocols.Score(p.Attempts(), p.MagazineEntries())
			return res, nil
		case nerr != nil && ctx.Err() != nil:
			r.apply(p.Stop(max(r.tl.Now(), p.Now()), protocols.EndStopped))
		case nerr != nil:
			r.err = nerr
		case got:
			r.input(ev)
		default:
			before := p.State()
			r.lastAt = protocols.None
			r.apply(p.Expire(deadline))
			late := r.lastAt
			if late == protocols.None {
				late = r.tl.Now()
			}
			if r.late != nil {
				r.late.Record(late - deadline)
			}
			if s.Observer != nil {
				s.Observer.Transition(transition(before, p.State()), late-deadline)
			}
		}
		r.attempts()
		if s.Progress != nil {
			s.Progress(p)
		}
	}
	if r.err == nil {
		r.err = p.Err()
	}
	if r.err != nil {
		res.Err = r.err
		r.apply(p.Stop(max(r.tl.Now(), p.Now()), protocols.EndAborted))
		r.attempts()
	}
	res.At, res.EndReason, res.Ended = p.Ended()
	res.Summary = protocols.Score(p.Attempts(), p.MagazineEntries())
	return res, nil
}

// input processes one input edge.
func (r *runner) input(ev hardware.Event) {
	p := r.s.Protocol
	if r.hwSeq != 0 && ev.Seq > r.hwSeq+1 && r.s.Observer != nil {
		r.s.Observer.LostInputs(ev.Seq - r.hwSeq - 1)
	}
	r.hwSeq = max(r.hwSeq, ev.Seq)
	class, cmds := p.Input(ev)
	owner := r.owner(class)
	r.record(storage.Event{At: ev.At, Input: ev.Input, Entry: ev.Entry, HWSeq: ev.Seq, Class: class, Attempt: owner})
	r.apply(cmds)
	if r.s.Observer != nil && owner > 0 {
		a := p.Attempts()[owner-1]
		lat := protocols.None
		switch class {
		case protocols.ClassCorrect, protocols.ClassIncorrect:
			lat = a.ResponseLatency()
		case protocols.ClassCollection:
			lat = a.RewardLatency()
		case protocols.ClassPremature:
			if a.Premature == 1 {
				lat = a.PrematureLatency()
			}
		}
		r.s.Observer.Input(class, lat)
	}
}

// transition names a timer-driven change of state.
func transition(from, to protocols.State) string {
	switch {
	case to == protocols.StateEnded:
		return "session_end"
	case from == protocols.StateITI:
		return "stimulus_onset"
	case from == protocols.StateStimulus && to == protocols.StateLimitedHold:
		return "stimulus_offset"
	case from == protocols.StateStimulus || from == protocols.StateLimitedHold:
		return "window_close"
	case from == protocols.StateTimeout:
		return "timeout_end"
	}
	return "other"
}

// isHorizon reports whether a timeline stopped at a virtual run's horizon.
func isHorizon(err error) bool {
	var h interface{ Horizon() bool }
	return errors.As(err, &h) && h.Horizon()
}

// owner is the attempt an input belongs to (R26): the current one for a
// response or premature entry, the latest with an outcome for the rest.
func (r *runner) owner(c protocols.Class) int {
	switch c {
	case protocols.ClassNone, protocols.ClassIgnored, protocols.ClassRelease:
		return 0
	}
	as := r.s.Protocol.Attempts()
	if c == protocols.ClassMagazine || c == protocols.ClassInitiation {
		if len(as) == 0 {
			return 0
		}
	}
	if c == protocols.ClassCollection {
		// The collection started the next attempt (or ended the session);
		// it belongs to the correct trial it collects.
		for i := len(as) - 1; i >= 0; i-- {
			if as[i].Outcome == protocols.Correct {
				return as[i].N
			}
		}
	}
	if len(as) == 0 {
		return 0
	}
	return as[len(as)-1].N
}

// apply drives the chamber as the protocol commands and records each change
// with the time it took effect.
func (r *runner) apply(cmds []protocols.Command) {
	for _, c := range cmds {
		var at time.Duration
		var err error
		if c.Output == hardware.Pellet {
			at, err = r.s.Chamber.Pulse(c.Output)
		} else {
			at, err = r.s.Chamber.Set(c.Output, c.On)
		}
		if err != nil {
			if r.err == nil {
				r.err = fmt.Errorf("%v %v: %w", c.Output, onOff(c.On), err)
			}
			return
		}
		if r.lastAt == protocols.None {
			r.lastAt = at
		}
		r.s.Protocol.OutputAt(c.Output, c.On, at)
		r.record(storage.Event{At: at, Output: c.Output, On: c.On, Due: c.At})
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func (r *runner) record(e storage.Event) {
	if r.s.Recorder == nil {
		return
	}
	r.seq++
	e.Seq = r.seq
	r.s.Recorder.Event(e)
}

func (r *runner) attempts() {
	as := r.s.Protocol.Attempts()
	if o := r.s.Observer; o != nil {
		// Attempts get their outcomes in order.
		for r.outcomes < len(as) && as[r.outcomes].Outcome != protocols.Pending {
			o.Outcome(as[r.outcomes])
			r.outcomes++
		}
	}
	if r.s.Recorder == nil {
		return
	}
	for _, i := range r.s.Protocol.Changed() {
		r.s.Recorder.Attempt(as[i])
	}
}
