package protocols

import (
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// A LogEntry is one entry of a session's raw log in the order the runner
// processed it: an input edge, or an output that took effect (Input.Input
// is zero) at its hardware time.
type LogEntry struct {
	Input  hardware.Event
	Output hardware.Output
	On     bool
	At     time.Duration
	// Due is when the protocol asked for an output (its deadline, for a
	// timer-driven one); zero if not known.
	Due time.Duration
}

// Replay recomputes a session from its raw event log: it runs the protocol
// again on the recorded inputs, in order, with the recorded parameters (and
// so the recorded seed), and the recorded times the stimulus lights came on. Because the protocol is a pure
// function of those, the attempts come out exactly as they were scored
// live; a stored session can be rescored, or checked, from its event log.
//
// end is when the session ended and reason why; a session stopped by an
// operator or a fault is stopped at that time, as it was live. A session
// that ended by itself (max_trials, time_limit) ends by itself again.
func Replay(p Params, log []LogEntry, end time.Duration, reason string) (*Session, error) {
	s, err := NewSession(p)
	if err != nil {
		return nil, err
	}
	s.Start()
	for i, e := range log {
		if e.Input.Input == 0 {
			// An output is the consequence of what came before it, so the
			// protocol is already where it was; expire what was due first,
			// up to when the output was asked for, as the runner did live
			// (an output takes effect a little after its deadline, and
			// expiring up to then could fire a later deadline too early).
			due := e.At
			if e.Due > 0 && e.Due < due {
				due = e.Due
			}
			s.Expire(due)
			s.outputAt(e.Output, e.On, e.At)
			continue
		}
		if e.Input.At > end {
			return nil, fmt.Errorf("replay: entry %d (%v) is after the end at %v", i+1, e.Input, end)
		}
		s.Input(e.Input)
	}
	switch reason {
	case EndStopped, EndAborted, EndInterrupted:
		s.Stop(end, reason)
	default:
		s.Expire(end)
	}
	if s.Err() != nil {
		return s, s.Err()
	}
	return s, nil
}
