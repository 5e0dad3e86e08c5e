package protocols

import (
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// A State is where a session is in the trial flow (section 3).
type State uint8

// States of the trial flow.
const (
	StateStart State = iota
	StateAwaitInitiation
	StateITI
	StateStimulus
	StateLimitedHold
	StateAwaitCollection
	StateTimeout
	StateEnded
)

var stateNames = [...]string{"start", "await_initiation", "iti", "stimulus", "limited_hold", "await_collection", "timeout", "ended"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// End reasons (R23), plus the daemon's mark for a session found running
// after a crash.
const (
	EndMaxTrials   = "max_trials"
	EndTimeLimit   = "time_limit"
	EndStopped     = "stopped"
	EndAborted     = "aborted"
	EndInterrupted = "interrupted"
)

// A Command is one output change the protocol asks for. For the pellet
// dispenser On means "deliver one pellet".
type Command struct {
	At     time.Duration
	Output hardware.Output
	On     bool
}

// A Class says what an input event counted as (section 4's table).
type Class uint8

// Classes of input events.
const (
	ClassNone            Class = iota // recorded only: a hole entry in start (R26)
	ClassRelease                      // a beam restored: never scored (R3)
	ClassIgnored                      // not processed: after the end, a held beam, a hole not in use
	ClassInitiation                   // magazine entry starting an attempt (R5)
	ClassMagazine                     // magazine entry with no consequence (R17)
	ClassCollection                   // reward collection (R11)
	ClassPremature                    // hole entry in the ITI (R7)
	ClassCorrect                      // first entry in the window, target hole (R9)
	ClassIncorrect                    // first entry in the window, other hole (R9)
	ClassPerseverative                // hole entry awaiting collection or initiation
	ClassTimeoutResponse              // hole entry in the time-out (R13)
)

var classNames = [...]string{"none", "release", "ignored", "initiation", "magazine", "collection", "premature", "correct", "incorrect", "perseverative", "timeout_response"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// MagazineEntry reports whether the class counts in magazine_entries (R17).
func (c Class) MagazineEntry() bool {
	return c == ClassInitiation || c == ClassMagazine || c == ClassCollection
}

// Session runs the task for one session: it is the state machine of
// section 3. It is not safe for concurrent use; one runner owns it.
//
// The caller drives it with Start, then Input for each input edge and
// Expire whenever Deadline passes; each returns the output commands to
// apply. Inputs must come in non-decreasing time order; Input first expires
// every timer due at or before the input's time, so at equal times a timer
// is processed before an input (R19).
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
	// OutputAt has corrected it.
	timerBase time.Duration

	attempts    []Attempt
	current     int // index of the attempt without outcome, or -1
	lastOutcome int // index of the latest attempt with an outcome, or -1
	scored      int
	magazine    int // magazine entries (R17)

	beams  [hardware.Magazine + 1]bool
	levels [hardware.Pellet + 1]bool

	endedAt   time.Duration
	endReason string
	err       error

	cmds    []Command
	changed []int
	started bool
}

// NewSession validates p and prepares a session; nothing happens until
// Start.
func NewSession(p Params) (*Session, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	s := &Session{
		p:           p,
		targets:     newTargetSchedule(p),
		itis:        newDurationSchedule("iti_sequence", p.ITI, p.ITIChoices, p.ITISequence, p.Seed, 2),
		sds:         newDurationSchedule("sd_sequence", p.StimulusDuration, p.StimulusDurations, p.SDSequence, p.Seed, 3),
		timer:       None,
		offset:      None,
		close:       None,
		limit:       time.Duration(p.MaxDuration),
		current:     -1,
		lastOutcome: -1,
		endedAt:     None,
		attempts:    make([]Attempt, 0, p.MaxTrials+p.MaxTrials/4+4),
	}
	return s, nil
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
func (s *Session) MagazineEntries() int { return s.magazine }

// Changed returns the indices of the attempts that changed during the last
// call to Start, Input, Expire or Stop, so a recorder can store just those.
func (s *Session) Changed() []int { return s.changed }

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

func (s *Session) begin() {
	s.cmds = s.cmds[:0]
	s.changed = s.changed[:0]
}

// Start begins the session at t = 0 (R4).
func (s *Session) Start() []Command {
	s.begin()
	if s.started {
		return s.cmds
	}
	s.started = true
	s.set(hardware.HouseLight, true)
	s.set(hardware.MagazineLight, true)
	if s.p.FreePelletAtStart {
		s.pellet()
	}
	return s.cmds
}

// Expire processes every timer due at or before now. At equal times the
// session limit comes first (R20a).
func (s *Session) Expire(now time.Duration) []Command {
	s.begin()
	s.expire(now)
	return s.cmds
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
func (s *Session) Stop(t time.Duration, reason string) []Command {
	s.begin()
	if s.state == StateEnded || !s.started {
		return s.cmds
	}
	s.expire(t)
	if s.state != StateEnded {
		s.end(reason)
	}
	return s.cmds
}

// Input processes one input edge and says what it counted as (section 4).
// Timers due at or before its time are processed first (R19). An input
// timestamped before the latest processed time (a late delivery) is taken
// as happening at that time, so the state machine never runs backwards; its
// recorded hardware time is the caller's to keep.
func (s *Session) Input(ev hardware.Event) (Class, []Command) {
	s.begin()
	if !s.started {
		return ClassIgnored, s.cmds
	}
	s.expire(ev.At)
	if s.state == StateEnded || !ev.Input.Valid() {
		return ClassIgnored, s.cmds
	}
	hole, isHole := ev.Input.Hole()
	if isHole && hole > s.p.Holes {
		return ClassIgnored, s.cmds
	}
	// R3: only entries score, and a held beam is not a new entry.
	if !ev.Entry {
		if !s.beams[ev.Input] {
			return ClassIgnored, s.cmds
		}
		s.beams[ev.Input] = false
		return ClassRelease, s.cmds
	}
	if s.beams[ev.Input] {
		return ClassIgnored, s.cmds
	}
	s.beams[ev.Input] = true
	if isHole {
		return s.holeEntry(hole), s.cmds
	}
	return s.magazineEntry(), s.cmds
}

func (s *Session) holeEntry(hole int) Class {
	switch s.state {
	case StateITI: // R7
		a := &s.attempts[s.current]
		a.Premature++
		if a.FirstPremature == None {
			a.FirstPremature = s.now
		}
		s.touch(s.current)
		if s.p.PrematurePunished {
			a.ResponseHole, a.Response = hole, s.now
			s.outcome(Premature)
		}
		return ClassPremature
	case StateStimulus, StateLimitedHold: // R9
		a := &s.attempts[s.current]
		a.ResponseHole, a.Response = hole, s.now
		if hole == a.Target {
			s.outcome(Correct)
			return ClassCorrect
		}
		s.outcome(Incorrect)
		return ClassIncorrect
	case StateAwaitCollection, StateAwaitInitiation:
		s.afterOutcome().Perseverative++
		return ClassPerseverative
	case StateTimeout: // R13
		s.afterOutcome().TimeoutResponses++
		if s.p.TimeoutRestartsOnResponse {
			s.timer = s.now + time.Duration(s.p.Timeout)
		}
		return ClassTimeoutResponse
	}
	return ClassNone // start: recorded only (R26)
}

func (s *Session) magazineEntry() Class {
	s.magazine++ // R17
	switch s.state {
	case StateStart, StateAwaitInitiation: // R5
		s.nextAttempt()
		return ClassInitiation
	case StateAwaitCollection: // R11
		s.attempts[s.lastOutcome].Collection = s.now
		s.touch(s.lastOutcome)
		s.set(hardware.MagazineLight, false)
		s.nextAttempt()
		return ClassCollection
	}
	return ClassMagazine
}

// afterOutcome is the attempt that perseverative and time-out responses
// belong to: the latest one with an outcome (R26).
func (s *Session) afterOutcome() *Attempt {
	s.touch(s.lastOutcome)
	return &s.attempts[s.lastOutcome]
}

func (s *Session) touch(i int) {
	if n := len(s.changed); n == 0 || s.changed[n-1] != i {
		s.changed = append(s.changed, i)
	}
}

// nextAttempt begins an attempt where one may begin (R5, R11, R14), unless
// the session ends there instead (R21, R22).
func (s *Session) nextAttempt() {
	if s.scored >= s.p.MaxTrials {
		s.end(EndMaxTrials)
		return
	}
	if s.pending {
		s.end(EndTimeLimit)
		return
	}
	n := len(s.attempts) + 1
	a := newAttempt(n)
	var err error
	if a.Target, err = s.targets.at(s.scored); err == nil {
		if a.ITI, err = s.itis.at(n - 1); err == nil {
			a.SD, err = s.sds.at(n - 1)
		}
	}
	if err != nil {
		s.err = fmt.Errorf("attempt %d at %v: %w", n, s.now, err)
		s.end(EndAborted)
		return
	}
	a.ITIStart = s.now
	s.attempts = append(s.attempts, a)
	s.current = len(s.attempts) - 1
	s.touch(s.current)
	s.state = StateITI // R6
	s.timer = s.now + a.ITI
	s.lights(true, false, 0)
}

// fireTimer handles the expiry of the state's own timer.
func (s *Session) fireTimer() {
	switch s.state {
	case StateITI: // R6, R8: stimulus onset
		a := &s.attempts[s.current]
		a.Onset = s.now
		s.touch(s.current)
		s.offset = s.now + a.SD
		window := a.SD + time.Duration(s.p.LimitedHold)
		if s.p.LimitedHoldFrom == FromStimulusOnset {
			window = max(a.SD, time.Duration(s.p.LimitedHold))
		}
		s.close = s.now + window
		s.timerBase = s.now
		s.state = StateStimulus
		s.timer = min(s.offset, s.close)
		s.lights(true, false, a.Target)
	case StateStimulus:
		if s.now < s.close { // R8: stimulus offset, window still open
			s.state = StateLimitedHold
			s.timer = s.close
			s.lights(true, false, 0)
			return
		}
		s.outcome(Omission)
	case StateLimitedHold: // R9: the window closes without a response
		s.outcome(Omission)
	case StateTimeout: // R14
		s.timer = None
		if s.scored >= s.p.MaxTrials { // R21
			s.end(EndMaxTrials)
			return
		}
		if s.p.Initiation == InitiationAuto {
			s.nextAttempt()
			return
		}
		s.state = StateAwaitInitiation
		s.lights(true, true, 0)
	}
}

// fireLimit handles max_duration (R22).
func (s *Session) fireLimit() {
	s.limit = None
	inAttempt := s.state == StateITI || s.state == StateStimulus || s.state == StateLimitedHold
	if s.p.AtTimeLimit == AtLimitFinishTrial && inAttempt {
		s.pending = true
		return
	}
	s.end(EndTimeLimit)
}

// outcome gives the current attempt its outcome and moves on (R7, R10, R12).
func (s *Session) outcome(o Outcome) {
	a := &s.attempts[s.current]
	a.Outcome = o
	s.touch(s.current)
	s.lastOutcome, s.current = s.current, -1
	if o.Scored() {
		s.scored++
	}
	if o == Correct { // R10
		s.state = StateAwaitCollection
		s.timer = None
		s.set(hardware.Stimulus(a.Target), false)
		s.pellet()
		s.set(hardware.MagazineLight, true)
	} else { // R12, R7: the time-out begins now
		s.state = StateTimeout
		s.timer = s.now + time.Duration(s.p.Timeout)
		s.lights(s.p.TimeoutHouseLight == HouseLightOn, false, 0) // R13
	}
	if s.pending { // R22 finish_trial: the session ends at the outcome
		s.end(EndTimeLimit)
	}
}

// end ends the session now (R22, R23).
func (s *Session) end(reason string) {
	if s.current >= 0 {
		s.attempts[s.current].Outcome = Unfinished
		s.touch(s.current)
		s.current = -1
	}
	s.state = StateEnded
	s.timer, s.limit = None, None
	s.endedAt, s.endReason = s.now, reason
	s.lights(false, false, 0)
}

// lights sets the house and magazine lights and lights only stimulus hole
// stim (0: none), emitting commands for what changes.
func (s *Session) lights(house, magazine bool, stim int) {
	for h := 1; h <= s.p.Holes; h++ {
		if h != stim {
			s.set(hardware.Stimulus(h), false)
		}
	}
	s.set(hardware.HouseLight, house)
	s.set(hardware.MagazineLight, magazine)
	if stim > 0 {
		s.set(hardware.Stimulus(stim), true)
	}
}

func (s *Session) set(o hardware.Output, on bool) {
	if s.levels[o] == on {
		return
	}
	s.levels[o] = on
	s.cmds = append(s.cmds, Command{At: s.now, Output: o, On: on})
}

func (s *Session) pellet() {
	s.cmds = append(s.cmds, Command{At: s.now, Output: hardware.Pellet, On: true})
}

// OutputAt tells the session when a commanded output actually took effect
// on the hardware. A stimulus light that came on late moves the attempt's
// onset to the time it really came on, and the stimulus offset and window
// close with it, so that latencies and the stimulus duration are measured
// from what the animal saw (R18). Other outputs need no correction.
func (s *Session) OutputAt(o hardware.Output, on bool, at time.Duration) {
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
	s.touch(s.current)
}

// ParseClass reads the names Class.String gives.
func ParseClass(s string) (Class, error) {
	for i, n := range classNames {
		if n == s {
			return Class(i), nil
		}
	}
	return 0, fmt.Errorf("unknown input class %q", s)
}
