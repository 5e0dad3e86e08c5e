package protocols

import (
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// Replay recomputes a session from its raw input events: it runs the
// protocol again on the recorded inputs, in order, with the recorded
// parameters (and so the recorded seed). Because the protocol is a pure
// function of those, the attempts come out exactly as they were scored
// live; a stored session can be rescored, or checked, from its event log.
//
// end is when the session ended and reason why; a session stopped by an
// operator or a fault is stopped at that time, as it was live. A session
// that ended by itself (max_trials, time_limit) ends by itself again.
func Replay(p Params, inputs []hardware.Event, end time.Duration, reason string) (*Session, error) {
	s, err := NewSession(p)
	if err != nil {
		return nil, err
	}
	s.Start()
	for i, ev := range inputs {
		if ev.At > end {
			return nil, fmt.Errorf("replay: input %d (%v) is after the end at %v", i+1, ev, end)
		}
		s.Input(ev)
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
