package protocols

import (
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// Session runs the task for one session: it is the state machine of
// section 3. It is not safe for concurrent use; one runner owns it.
//
// The caller drives it with Start, then Input for each input edge and
// Expire whenever Deadline passes; each returns a Step: the output commands
// to apply and what the step means for the record. Inputs must come in
// non-decreasing time order; Input first expires every timer due at or
// before the input's time, so at equal times a timer is processed before an
// input (R19).
type Session struct {
	p       Params
	targets targetSchedule
	itis    durationSchedule
	sds     durationSchedule

	state   State
	now     time.Duration
	timer   time.Duration // the state's deadline, or None
	offset  time.Duration // stimulus offset of the current attempt
	close   time.Duration // window close of the current attempt
	limit   time.Duration // the session limit, or None once dealt with
	pending bool          // finish_trial: the limit passed, end at the outcome
	// timerBase is the scheduled onset of the current stimulus until
	// StimulusOn has corrected it.
	timerBase time.Duration

	attempts    []Attempt
	current     int // index of the attempt without outcome, or -1
	lastOutcome int // index of the latest attempt with an outcome, or -1
	tally       Tally

	beams  [hardware.Magazine + 1]bool
	levels [hardware.Pellet + 1]bool
	lit    int // the stimulus hole lit, or 0

	endedAt   time.Duration
	endReason string
	err       error
	started   bool

	step         Step // the latest
	onsetCommand int  // the index of the command switching a stimulus on in this step, or -1
}

// NewSession checks p and prepares a session; nothing happens until Start.
// It is for callers that assemble a parameter set and run it in one place;
// one that checks a set first, to refuse it early, keeps the Checked that
// Params.Check gives and makes its session from that.
func NewSession(p Params) (*Session, error) {
	c, err := p.Check()
	if err != nil {
		return nil, err
	}
	return c.NewSession(), nil
}

// NewSession prepares a session with the checked parameter set; nothing
// happens until Start.
func (c Checked) NewSession() *Session {
	if c.p == nil {
		panic("protocols: a Checked not made by Params.Check")
	}
	p := c.p.clone() // the session's lists are its own: Params hands them out
	s := &Session{
		p:           p,
		targets:     newTargetSchedule(p),
		itis:        newDurationSchedule("iti_sequence", p.ITI, p.ITIChoices, p.ITISequence, p.Seed, streamITI),
		sds:         newDurationSchedule("sd_sequence", p.StimulusDuration, p.StimulusDurations, p.SDSequence, p.Seed, streamSD),
		timer:       None,
		offset:      None,
		close:       None,
		timerBase:   None,
		limit:       time.Duration(p.MaxDuration),
		current:     -1,
		lastOutcome: -1,
		endedAt:     None,
		attempts:    make([]Attempt, 0, p.MaxTrials+p.MaxTrials/4+4),
		tally:       newTally(p.MaxTrials + p.MaxTrials/4 + 4),
	}
	s.step.s = s
	return s
}

// Params returns the parameter set the session runs with.
func (s *Session) Params() Params { return s.p }

// State returns the current state.
func (s *Session) State() State { return s.state }

// Now returns the time of the latest input or expiry processed.
func (s *Session) Now() time.Duration { return s.now }

// Ended reports whether the session has ended, when and why.
func (s *Session) Ended() (at time.Duration, reason string, ended bool) {
	return s.endedAt, s.endReason, s.state == StateEnded
}

// Err returns the fault that aborted the session (a scripted sequence run
// dry), or nil.
func (s *Session) Err() error { return s.err }

// Attempts returns every attempt begun so far, in order. The slice is the
// session's own; callers must not modify it.
func (s *Session) Attempts() []Attempt { return s.attempts }

// MagazineEntries is the count of magazine entries processed (R17).
func (s *Session) MagazineEntries() int { return s.tally.c.MagazineEntries }

// Tally returns a snapshot of the session's running score, which stays
// valid, and may be read on another goroutine, while the session runs on.
func (s *Session) Tally() Tally { return s.tally }

// Summary is the session's score so far; it equals Score of its attempts.
func (s *Session) Summary() Summary { return s.tally.Summary() }

// Lit reports whether an output is on, as the protocol has commanded it.
func (s *Session) Lit(o hardware.Output) bool { return int(o) < len(s.levels) && s.levels[o] }

// Deadline returns the next time Expire must be called, if any timer is
// armed.
func (s *Session) Deadline() (time.Duration, bool) {
	if s.state == StateEnded || !s.started {
		return 0, false
	}
	d := s.timer
	if s.limit != None && (d == None || s.limit <= d) {
		d = s.limit
	}
	return d, d != None
}

// Start begins the session at t = 0 (R4).
func (s *Session) Start() *Step {
	s.begin()
	if !s.started && s.p.Mode == ModeMagazine {
		s.started = true
		s.nextAttempt() // house light on, the first variable time begins
		return s.finish()
	}
	if !s.started {
		s.started = true
		s.set(hardware.HouseLight, true)
		s.set(hardware.MagazineLight, true)
		if s.p.FreePelletAtStart {
			s.pellet()
		}
	}
	return s.finish()
}

// Expire processes every timer due at or before now. At equal times the
// session limit comes first (R20a).
func (s *Session) Expire(now time.Duration) *Step {
	s.begin()
	s.expire(now)
	return s.finish()
}

func (s *Session) expire(now time.Duration) {
	for s.state != StateEnded {
		d, ok := s.Deadline()
		if !ok || d > now {
			break
		}
		s.now = d
		if d == s.limit {
			s.fireLimit()
			continue
		}
		s.fireTimer()
	}
	if now > s.now {
		s.now = now
	}
}

// Stop ends the session at t on an operator's or a fault's word (R23):
// reason is EndStopped or EndAborted.
func (s *Session) Stop(t time.Duration, reason string) *Step {
	s.begin()
	if s.state != StateEnded && s.started {
		s.expire(t)
		if s.state != StateEnded {
			s.end(reason)
		}
	}
	return s.finish()
}

// Input processes one input edge: the Step says what it counted as
// (section 4), which attempt it belongs to and what it measured. Timers due
// at or before its time are processed first (R19). An input timestamped
// before the latest processed time (a late delivery) is taken as happening
// at that time, so the state machine never runs backwards; its recorded
// hardware time is the caller's to keep.
func (s *Session) Input(ev hardware.Event) *Step {
	s.begin()
	class := s.input(ev)
	st := s.finish()
	st.Class = class
	st.Attempt, st.Latency = s.owner(class)
	return st
}

func (s *Session) input(ev hardware.Event) Class {
	if !s.started {
		return ClassIgnored
	}
	s.expire(ev.At)
	if s.state == StateEnded || !ev.Input.Valid() {
		return ClassIgnored
	}
	hole, isHole := ev.Input.Hole()
	if isHole && hole > s.p.Holes {
		return ClassIgnored
	}
	// R3: only entries score, and a held beam is not a new entry.
	if !ev.Entry {
		if !s.beams[ev.Input] {
			return ClassIgnored
		}
		s.beams[ev.Input] = false
		return ClassRelease
	}
	if s.beams[ev.Input] {
		return ClassIgnored
	}
	s.beams[ev.Input] = true
	if isHole {
		return s.holeEntry(hole)
	}
	return s.magazineEntry()
}

// StimulusOn tells the session when the stimulus light its latest step
// named (Step.Onset) took effect on the hardware. A light that came on late
// moves the attempt's onset to the time it really came on, and the stimulus
// offset and window close with it, so that latencies and the stimulus
// duration are measured from what the animal saw (R18); the step's copy of
// the attempt in Changed moves with it. Without an onset to confirm it does
// nothing.
func (s *Session) StimulusOn(at time.Duration) {
	st := &s.step
	if st.Onset < 0 {
		return
	}
	c := st.Commands[st.Onset]
	st.Onset = -1
	s.outputAt(c.Output, c.On, at)
}

// outputAt moves the current stimulus onset to at if o is its light coming
// on late and the onset has not been moved yet. Replay calls it for every
// output in a log, StimulusOn for the one a step names.
func (s *Session) outputAt(o hardware.Output, on bool, at time.Duration) {
	if !on || s.state != StateStimulus || s.current < 0 {
		return
	}
	a := &s.attempts[s.current]
	if hole, ok := o.Stimulus(); !ok || hole != a.Target || at <= a.Onset || a.Onset != s.timerBase {
		return
	}
	delta := at - a.Onset
	a.Onset = at
	s.offset += delta
	s.close += delta
	s.timer = min(s.offset, s.close)
	s.timerBase = None // corrected once
}
