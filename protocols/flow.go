package protocols

import (
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// The state machine's transitions (section 3). Each updates the attempts,
// the tally and the outputs together, and marks what it changed for the
// step's record.

func (s *Session) holeEntry(hole int) Class {
	if s.p.Mode == ModeMagazine { // section 8: no task yet, entries recorded only
		return ClassNone
	}
	switch s.state {
	case StateITI: // R7
		a := &s.attempts[s.current]
		a.Premature++
		s.tally.c.Premature++
		if a.FirstPremature == None {
			a.FirstPremature = s.now
			s.tally.firstPremature(a)
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
		s.tally.c.Perseverative++
		return ClassPerseverative
	case StateTimeout: // R13
		s.afterOutcome().TimeoutResponses++
		s.tally.c.TimeoutResponses++
		if s.p.TimeoutRestartsOnResponse {
			s.timer = s.now + time.Duration(s.p.Timeout)
		}
		return ClassTimeoutResponse
	}
	return ClassNone // start: recorded only (R26)
}

func (s *Session) magazineEntry() Class {
	s.tally.c.MagazineEntries++ // R17
	switch s.state {
	case StateStart, StateAwaitInitiation: // R5
		s.nextAttempt()
		return ClassInitiation
	case StateAwaitCollection: // R11
		a := &s.attempts[s.lastOutcome]
		a.Collection = s.now
		s.tally.collected(a)
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

// nextAttempt begins an attempt where one may begin (R5, R11, R14), unless
// the session ends there instead (R21, R22).
func (s *Session) nextAttempt() {
	if s.tally.scored() >= s.p.MaxTrials {
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
	if a.Target, err = s.targets.at(s.tally.scored()); err == nil {
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
	if s.p.Mode == ModeMagazine {
		a.Target, a.SD = 0, 0 // no stimulus: the pellet comes after the ITI
	}
	s.attempts = append(s.attempts, a)
	s.tally.begun()
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
		if s.p.Mode == ModeMagazine {
			s.deliver()
			return
		}
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
		s.lights(true, false, a.Target) // the light comes on last
		s.onsetCommand = len(s.step.Commands) - 1
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
		if s.tally.scored() >= s.p.MaxTrials { // R21
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

// deliver ends a magazine-training attempt's variable time (section 8):
// a pellet, the magazine light on until it is collected (R11 as after a
// correct response). The attempt is scored correct when the pellet is
// delivered, so its reward latency is the collection latency and
// max_trials counts pellets.
func (s *Session) deliver() {
	a := &s.attempts[s.current]
	a.Response = s.now
	a.Outcome = Correct
	s.decide(s.current)
	s.lastOutcome, s.current = s.current, -1
	s.state = StateAwaitCollection
	s.timer = None
	s.pellet()
	s.set(hardware.MagazineLight, true)
	if s.pending {
		s.end(EndTimeLimit)
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
	s.decide(s.current)
	s.lastOutcome, s.current = s.current, -1
	if o == Correct { // R10
		s.state = StateAwaitCollection
		s.timer = None
		s.stimulus(a.Target, false)
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
		s.decide(s.current)
		s.current = -1
	}
	s.state = StateEnded
	s.timer, s.limit = None, None
	s.endedAt, s.endReason = s.now, reason
	s.lights(false, false, 0)
}

// lights sets the house and magazine lights and lights only stimulus hole
// stim (0: none), emitting commands for what changes: a stimulus going off
// first, then the house and magazine lights, then a stimulus coming on.
func (s *Session) lights(house, magazine bool, stim int) {
	if s.lit != 0 && s.lit != stim {
		s.stimulus(s.lit, false)
	}
	s.set(hardware.HouseLight, house)
	s.set(hardware.MagazineLight, magazine)
	if stim > 0 {
		s.stimulus(stim, true)
	}
}

// stimulus switches the light of hole h; at most one is ever lit (s.lit).
func (s *Session) stimulus(h int, on bool) {
	s.set(hardware.Stimulus(h), on)
	if on {
		s.lit = h
	} else if s.lit == h {
		s.lit = 0
	}
}

func (s *Session) set(o hardware.Output, on bool) {
	if s.levels[o] == on {
		return
	}
	s.levels[o] = on
	s.step.Commands = append(s.step.Commands, Command{At: s.now, Output: o, On: on})
}

func (s *Session) pellet() {
	s.step.Commands = append(s.step.Commands, Command{At: s.now, Output: hardware.Pellet, On: true})
}
