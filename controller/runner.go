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

// A Setup is one session to run: its protocol, its chamber, where time comes
// from and where its records go.
type Setup struct {
	// Protocol is the session's state machine, made (and its parameters
	// checked) where the parameters were put together; RunRecorded makes
	// it from the plan when it is nil.
	Protocol *protocols.Session
	Chamber  hardware.Chamber
	// Timeline is where inputs and time come from; nil means real time on
	// the chamber's Events.
	Timeline Timeline
	Recorder Recorder // nil: record nothing
	// Progress, if set, is called after every step with the protocol, for
	// live views. It runs on the runner's goroutine between an input and
	// the next stimulus light, so it takes only what is cheap to read
	// (State, Tally) and leaves summing up to whoever asks for the view.
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
	// Sync pulses the chamber's sync line (hardware.Sync) at session start
	// and at each stimulus onset; only for chambers that have one.
	Sync bool
	// Barcode, with Sync, follows each pulse with a number (Barcode).
	Barcode Barcode
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
	s     Setup
	tl    Timeline
	seq   uint64
	err   error
	hwSeq uint64            // the last input sequence number seen
	late  *timing.Histogram // real time only
	// The barcode under way: its edges still to switch, and whether it
	// has the sync line high.
	code     []Edge
	codeHigh bool
}

// Run runs the session to its end. Cancelling ctx ends it with reason
// "stopped"; a hardware fault ends it with reason "aborted" and the fault in
// Result.Err. Every output is off when Run returns, on every path.
func Run(ctx context.Context, s Setup) (res Result, err error) {
	r := &runner{s: s, tl: s.Timeline}
	if err := s.Barcode.Check(); err != nil {
		return res, err
	}
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
	r.step(p.Start())
	r.sync(0, 0)
	if s.Progress != nil {
		s.Progress(p)
	}
	if horizon := r.loop(ctx); horizon {
		// A virtual run stopped at its horizon: the session is left where
		// it was then, neither ended nor recorded further.
		p.Expire(r.tl.Now())
		res.At, res.Summary = r.tl.Now(), p.Summary()
		return res, nil
	}
	if r.err == nil {
		r.err = p.Err()
	}
	if r.err != nil {
		res.Err = r.err
		r.step(p.Stop(max(r.tl.Now(), p.Now()), protocols.EndAborted))
	}
	res.At, res.EndReason, res.Ended = p.Ended()
	res.Summary = p.Summary()
	return res, nil
}

// loop runs the session step by step until it ends, a fault stops it, or a
// virtual timeline reaches its horizon (reported as horizon).
func (r *runner) loop(ctx context.Context) (horizon bool) {
	p := r.s.Protocol
	health, _ := r.s.Recorder.(interface{ Err() error })
	for r.err == nil {
		if health != nil {
			if err := health.Err(); err != nil { // the record is no longer complete
				r.err = fmt.Errorf("recording: %w", err)
				return false
			}
		}
		if at, _, ended := p.Ended(); ended {
			r.endCode(max(at, r.tl.Now()))
			return false
		}
		deadline, ok := p.Deadline()
		if !ok {
			deadline = hardware.Forever
		}
		next, edge := r.nextEdge(deadline)
		ev, got, err := r.tl.Next(ctx, next)
		if err == nil && ctx.Err() != nil {
			// Stopped while the timeline had the next step ready at once
			// (a timeline behind its clock need not wait, so it may not
			// look at ctx): the stop wins, whatever the parameters.
			err = ctx.Err()
		}
		switch {
		case err != nil && isHorizon(err):
			return true
		case err != nil && ctx.Err() != nil:
			r.step(p.Stop(max(r.tl.Now(), p.Now()), protocols.EndStopped))
		case err != nil:
			r.err = err
		case got:
			r.input(ev)
		case edge:
			r.codeEdge()
		default:
			r.expire(deadline)
		}
		if r.s.Progress != nil {
			r.s.Progress(p)
		}
	}
	return false
}

// input processes one input edge.
func (r *runner) input(ev hardware.Event) {
	if r.hwSeq != 0 && ev.Seq > r.hwSeq+1 && r.s.Observer != nil {
		r.s.Observer.LostInputs(ev.Seq - r.hwSeq - 1)
	}
	r.hwSeq = max(r.hwSeq, ev.Seq)
	st := r.s.Protocol.Input(ev)
	if r.s.Recorder != nil {
		r.record(storage.Event{At: ev.At, Input: ev.Input, Entry: ev.Entry, HWSeq: ev.Seq, Class: st.Class, Attempt: st.Attempt})
	}
	r.apply(st)
	if r.s.Observer != nil && st.Attempt > 0 {
		r.s.Observer.Input(st.Class, st.Latency)
	}
	r.report(st)
}

// expire carries out the timers due at deadline and measures how late
// after it the chamber did so.
func (r *runner) expire(deadline time.Duration) {
	p := r.s.Protocol
	before := p.State()
	st := p.Expire(deadline)
	late := r.apply(st)
	if late == protocols.None { // nothing to switch: the transition is now
		late = r.tl.Now()
	}
	if r.late != nil {
		r.late.Record(late - deadline)
	}
	if r.s.Observer != nil {
		r.s.Observer.Transition(transition(before, p.State()), late-deadline)
	}
	r.report(st)
}

// step carries out a protocol step that neither an input nor a timer
// caused: the start, or a stop.
func (r *runner) step(st *protocols.Step) {
	r.apply(st)
	r.report(st)
}

// report tells the observer of the attempts a step decided and hands the
// recorder every attempt it changed.
func (r *runner) report(st *protocols.Step) {
	if o := r.s.Observer; o != nil {
		for _, a := range st.Decided() {
			o.Outcome(a)
		}
	}
	if rec := r.s.Recorder; rec != nil {
		for _, a := range st.Changed() {
			rec.Attempt(a)
		}
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

// apply drives the chamber as the step commands and records each change
// with the time it took effect; a stimulus onset's time goes back to the
// protocol (R18). It returns when the first command took effect, or None.
func (r *runner) apply(st *protocols.Step) (first time.Duration) {
	first = protocols.None
	cmds, onset := st.Commands, st.Onset
	for i := range cmds {
		c := &cmds[i]
		var at time.Duration
		var err error
		if c.Output.Pulsed() {
			at, err = r.s.Chamber.Pulse(c.Output)
		} else {
			at, err = r.s.Chamber.Set(c.Output, c.On)
		}
		if err != nil {
			if r.err == nil {
				r.err = fmt.Errorf("%v %v: %w", c.Output, onOff(c.On), err)
			}
			return first
		}
		if first == protocols.None {
			first = at
		}
		if i == onset {
			r.s.Protocol.StimulusOn(at)
		}
		if r.s.Recorder != nil {
			r.record(storage.Event{At: at, Output: c.Output, On: c.On, Due: c.At})
		}
		if i == onset {
			r.sync(c.At, r.s.Protocol.Attempts()[len(r.s.Protocol.Attempts())-1].N)
		}
	}
	return first
}

// sync pulses the chamber's sync line, if it has one, and records the
// pulse like any other output: at session start and at each stimulus onset,
// just after the light (the light's time is the task's; the pulse marks it
// for a recorder, a few microseconds later on GPIO, within the board's
// command time on a serial board). With a barcode, the edges writing n
// follow from the pulse's time on.
func (r *runner) sync(due time.Duration, n int) {
	if !r.s.Sync || r.err != nil {
		return
	}
	r.endCode(due)
	if r.err != nil {
		return
	}
	at, err := r.s.Chamber.Pulse(hardware.Sync)
	if err != nil {
		r.err = fmt.Errorf("sync pulse: %w", err)
		return
	}
	if r.s.Recorder != nil {
		r.record(storage.Event{At: at, Output: hardware.Sync, On: true, Due: due})
	}
	if r.s.Barcode.Bits > 0 {
		r.code = r.s.Barcode.Edges(at, uint64(n))
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// record numbers an event and hands it to the recorder, which callers
// check is there before they build the event.
func (r *runner) record(e storage.Event) {
	r.seq++
	e.Seq = r.seq
	r.s.Recorder.Event(e)
}
