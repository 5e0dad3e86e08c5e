package protocols

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// liveWithLateOnsets runs a session as the runner does, every stimulus
// light coming on late by more than the stimulus duration (a slow board),
// and returns its raw log with due times, and the session.
func liveWithLateOnsets(t *testing.T, late time.Duration) ([]LogEntry, *Session) {
	t.Helper()
	p := Default()
	p.Initiation = InitiationAuto
	p.ITI, p.StimulusDuration, p.LimitedHold = Duration(time.Second), Duration(20*time.Millisecond), Duration(2*time.Second)
	p.MaxTrials, p.Seed = 6, 3
	s, err := NewSession(p)
	if err != nil {
		t.Fatal(err)
	}
	var log []LogEntry
	apply := func(st *Step, lateness time.Duration) {
		for i, c := range st.Commands {
			at := c.At
			if i == st.Onset {
				at += lateness
				s.StimulusOn(at)
			}
			log = append(log, LogEntry{Output: c.Output, On: c.On, At: at, Due: c.At})
		}
	}
	input := func(in hardware.Input, entry bool, at time.Duration, seq uint64) {
		ev := hardware.Event{Input: in, Entry: entry, At: at, Seq: seq}
		if _, _, ended := s.Ended(); !ended {
			log = append(log, LogEntry{Input: ev, At: at})
			apply(s.Input(ev), 0)
		}
	}
	apply(s.Start(), 0)
	seq := uint64(0)
	for step := 0; step < 200; step++ {
		if _, _, ended := s.Ended(); ended {
			break
		}
		// The rat waits out the ITI, the stimulus and time-outs; it pokes
		// the lit hole 100 ms into the limited hold, and otherwise enters
		// the magazine 100 ms after the last thing that happened.
		at := s.Now() + 100*time.Millisecond
		if d, ok := s.Deadline(); ok && (d <= at || s.State() == StateITI || s.State() == StateStimulus || s.State() == StateTimeout) {
			apply(s.Expire(d), late)
			continue
		}
		seq += 2
		if s.State() == StateLimitedHold {
			a := s.Attempts()[len(s.Attempts())-1]
			input(hardware.Hole(a.Target), true, at, seq-1)
			input(hardware.Hole(a.Target), false, at+10*time.Millisecond, seq)
			continue
		}
		input(hardware.Magazine, true, at, seq-1)
		input(hardware.Magazine, false, at+10*time.Millisecond, seq)
	}
	return log, s
}

// TestReplayUsesDueTimes: a stored session is replayed from the times the
// protocol asked for its outputs (their due times), as the runner expired
// its deadlines live. Expiring up to when an output took effect instead
// would, with a stimulus light late by more than the stimulus duration,
// fire the stimulus offset before the onset's time is corrected (R18),
// and the replay would no longer agree with what was scored live.
func TestReplayUsesDueTimes(t *testing.T) {
	log, live := liveWithLateOnsets(t, 50*time.Millisecond)
	end, reason, ended := live.Ended()
	if !ended {
		t.Fatal("the live session did not end")
	}
	again, err := Replay(live.Params(), log, end, reason)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Attempts(), live.Attempts()) {
		t.Errorf("replayed attempts differ from the live ones:\n%+v\n%+v", again.Attempts(), live.Attempts())
	}
	// Without the due times (a log that does not have them) the replay
	// expires up to when each output took effect: this session shows why
	// that is wrong.
	noDue := slices.Clone(log)
	for i := range noDue {
		noDue[i].Due = 0
	}
	if old, err := Replay(live.Params(), noDue, end, reason); err == nil && reflect.DeepEqual(old.Attempts(), live.Attempts()) {
		t.Error("replaying without due times agrees too: the session does not test what it should")
	}
}
