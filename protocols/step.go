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
// It is the session's own, as are the slices it gives: it holds until the
// next call on the session, and callers must not modify it.
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

	// Which attempts changed and which were decided, as indices into the
	// session's attempts (-1: none). Every change is to the latest attempt
	// begun (the current one, or while none runs the latest with an
	// outcome), and every attempt begun in a step is changed in it, so the
	// attempts a step changed are all those from the first it touched on;
	// and since one attempt runs at a time, those it decided are
	// consecutive. Changed and Decided are views of them: nothing is
	// copied, and a step stores no pointer as it goes.
	s                                       *Session
	firstChanged, firstDecided, lastDecided int
}

// Changed returns the attempts the step began or changed, as they stand
// after it (and after StimulusOn), so that a recorder can store just those.
func (st *Step) Changed() []Attempt {
	if st.s == nil || st.firstChanged < 0 {
		return nil
	}
	n := len(st.s.attempts)
	return st.s.attempts[st.firstChanged:n:n]
}

// Decided returns the attempts that got their outcome in the step, in order.
func (st *Step) Decided() []Attempt {
	if st.s == nil || st.firstDecided < 0 {
		return nil
	}
	return st.s.attempts[st.firstDecided : st.lastDecided+1 : st.lastDecided+1]
}

// begin starts a step.
func (s *Session) begin() {
	st := &s.step
	st.Class, st.Attempt, st.Latency, st.Onset = ClassNone, 0, None, -1
	st.Commands = st.Commands[:0] // filled in as the step goes
	st.firstChanged, st.firstDecided, st.lastDecided = -1, -1, -1
	s.onsetCommand = -1
}

// touch marks attempt i changed in this step.
func (s *Session) touch(i int) {
	if s.step.firstChanged < 0 {
		s.step.firstChanged = i
	}
}

// decide records that attempt i has just got its outcome: in the tally,
// and in the step.
func (s *Session) decide(i int) {
	s.tally.decided(&s.attempts[i])
	if s.step.firstDecided < 0 {
		s.step.firstDecided = i
	}
	s.step.lastDecided = i
	s.touch(i)
}

// finish ends a step and returns it.
func (s *Session) finish() *Step {
	if s.state == StateStimulus {
		s.step.Onset = s.onsetCommand // -1 unless the onset was in this step
	}
	return &s.step
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
