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

// ParseClass reads the names Class.String gives.
func ParseClass(s string) (Class, error) {
	for i, n := range classNames {
		if n == s {
			return Class(i), nil
		}
	}
	return 0, fmt.Errorf("unknown input class %q", s)
}

// MagazineEntry reports whether the class counts in magazine_entries (R17).
func (c Class) MagazineEntry() bool {
	return c == ClassInitiation || c == ClassMagazine || c == ClassCollection
}

// A Step is what one call to Start, Input, Expire or Stop did: everything a
// runner needs to drive the chamber, record the session and count it, in
// one value, so that nothing has to be worked out again from the attempts.
//
// It is the session's own, as are its slices: it holds until the next call
// on the session, and callers must not modify it.
type Step struct {
	// Class is what the input counted as (section 4); ClassNone for the
	// other calls.
	Class Class
	// Attempt is the number of the attempt the input belongs to (R26), or
	// 0 for none: a response or premature entry belongs to the attempt it
	// answers, a collection to the correct trial it collects, any other
	// scored entry to the latest attempt begun.
	Attempt int
	// Latency is what the input measured (R25): the response latency of a
	// correct or incorrect response, the reward latency of a collection,
	// the premature latency of an attempt's first premature response;
	// None otherwise.
	Latency time.Duration
	// Commands are the output changes to apply, in order.
	Commands []Command
	// Onset is the index in Commands of a stimulus light turning on whose
	// effective time the session needs back (R18): once it is applied,
	// pass the time to Session.StimulusOn. -1 when there is none.
	Onset int
	// Changed are the attempts begun or changed, as they stand after the
	// step (and after StimulusOn), so a recorder can store just those.
	Changed []Attempt
	// Decided are the attempts that got their outcome, in order.
	Decided []Attempt
}

// begin starts a step.
func (s *Session) begin() {
	s.cmds = s.cmds[:0]
	s.firstChanged, s.firstDecided, s.lastDecided, s.onsetCommand = -1, -1, -1, -1
}

// touch marks attempt i changed in this step. Every change is to the
// latest attempt begun (the current one, or while none runs the latest with
// an outcome), and every attempt begun in a step is changed in it, so the
// attempts a step changed are all those from the first it touched on:
// Step.Changed is a view of them, with nothing copied.
func (s *Session) touch(i int) {
	if s.firstChanged < 0 {
		s.firstChanged = i
	}
}

// decide records that attempt i has just got its outcome: in the tally,
// and in the step. Only one attempt runs at a time, so the attempts a step
// decided are consecutive too.
func (s *Session) decide(i int) {
	s.tally.decided(&s.attempts[i])
	if s.firstDecided < 0 {
		s.firstDecided = i
	}
	s.lastDecided = i
	s.touch(i)
}

// finish makes the session's Step of what the step did.
func (s *Session) finish() *Step {
	st := &s.step
	*st = Step{Latency: None, Commands: s.cmds, Onset: -1}
	n := len(s.attempts)
	if s.firstChanged >= 0 {
		st.Changed = s.attempts[s.firstChanged:n:n]
	}
	if s.firstDecided >= 0 {
		st.Decided = s.attempts[s.firstDecided : s.lastDecided+1 : s.lastDecided+1]
	}
	if s.state == StateStimulus {
		st.Onset = s.onsetCommand // -1 unless the onset was in this step
	}
	return st
}

// owner is the attempt an input of class c belongs to (R26) and the
// latency it measured (R25), as Step documents them.
func (s *Session) owner(c Class) (int, time.Duration) {
	switch c {
	case ClassNone, ClassIgnored, ClassRelease:
		return 0, None
	case ClassCollection:
		// The collection began the next attempt (or ended the session);
		// it belongs to the correct trial it collects.
		a := &s.attempts[s.lastOutcome]
		return a.N, a.RewardLatency()
	}
	if len(s.attempts) == 0 {
		return 0, None
	}
	a := &s.attempts[len(s.attempts)-1]
	switch {
	case c == ClassCorrect || c == ClassIncorrect:
		return a.N, a.ResponseLatency()
	case c == ClassPremature && a.Premature == 1:
		return a.N, a.PrematureLatency()
	}
	return a.N, None
}
