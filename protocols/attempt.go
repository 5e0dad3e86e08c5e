package protocols

import (
	"fmt"
	"math"
	"time"
)

// None marks a time or latency that does not apply to an attempt (the onset
// of a premature attempt, the reward latency of an uncollected pellet).
const None time.Duration = math.MinInt64

// An Outcome is how an attempt ended (rules R7, R9, R22).
type Outcome uint8

// Outcomes. Pending is an attempt still running; at the end of a session
// every pending attempt becomes Unfinished.
const (
	Pending Outcome = iota
	Correct
	Incorrect
	Omission
	Premature
	Unfinished
)

var outcomeNames = [...]string{"pending", "correct", "incorrect", "omission", "premature", "unfinished"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", uint8(o))
}

// ParseOutcome reads the names String gives.
func ParseOutcome(s string) (Outcome, error) {
	for i, n := range outcomeNames {
		if n == s {
			return Outcome(i), nil
		}
	}
	return 0, fmt.Errorf("unknown outcome %q", s)
}

// Scored reports whether the outcome makes a scored trial (correct,
// incorrect or omission; section 3).
func (o Outcome) Scored() bool { return o == Correct || o == Incorrect || o == Omission }

// An Attempt is one attempt of a session: it begins at its ITI onset and has
// exactly one outcome. Times are session times; fields that do not apply
// hold None.
type Attempt struct {
	N       int // 1, 2, 3 ... in the order attempts begin
	Outcome Outcome
	Target  int           // the target hole, fixed when the ITI begins (R15)
	ITI     time.Duration // this attempt's ITI (R16)
	SD      time.Duration // this attempt's stimulus duration (R16)

	ITIStart     time.Duration // ITI onset: the attempt's start
	Onset        time.Duration // stimulus onset, or None
	ResponseHole int           // the deciding (or punished premature) hole, or 0
	Response     time.Duration // time of that entry, or None
	Collection   time.Duration // reward collection after a correct, or None

	// FirstPremature is the first premature entry's time (R7); with
	// premature_punished it is also the Response.
	FirstPremature   time.Duration
	Premature        int // premature responses in this attempt's ITI
	Perseverative    int // perseverative entries after this attempt's outcome (R26)
	TimeoutResponses int // time-out entries after this attempt's outcome (R26)
}

func newAttempt(n int) Attempt {
	return Attempt{N: n, ITIStart: None, Onset: None, Response: None, Collection: None, FirstPremature: None}
}

// ResponseLatency is entry time − stimulus onset of a correct or incorrect
// response (R25), or None.
func (a Attempt) ResponseLatency() time.Duration {
	if (a.Outcome != Correct && a.Outcome != Incorrect) || a.Onset == None {
		return None
	}
	return a.Response - a.Onset
}

// RewardLatency is collection time − correct response time (R25), or None.
func (a Attempt) RewardLatency() time.Duration {
	if a.Outcome != Correct || a.Collection == None {
		return None
	}
	return a.Collection - a.Response
}

// PrematureLatency is the first premature entry − ITI onset (R25), or None.
func (a Attempt) PrematureLatency() time.Duration {
	if a.FirstPremature == None {
		return None
	}
	return a.FirstPremature - a.ITIStart
}
