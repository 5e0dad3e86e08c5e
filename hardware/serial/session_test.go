package serial_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial/emulator"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// Tolerances of the whole-session test on a pseudo-terminal. The board
// clock runs 1 s ahead and 50 ppm fast; event and output times must still
// land within timeTolerance of the host instant the emulator stamped
// (measured errors are tens of microseconds, see docs/serial-protocol.md).
const timeTolerance = time.Millisecond

// trialSubject reacts to the lights as the script of the session test
// needs: it initiates, responds correctly and collects, pokes
// prematurely, responds at a wrong hole, and omits.
type trialSubject struct {
	mu       sync.Mutex
	magLight int
	stimuli  []int
}

func poke(b emulator.Beams, after time.Duration, in hardware.Input) {
	b.After(after, in, true)
	b.After(after+30*time.Millisecond, in, false)
}

func (s *trialSubject) Output(b emulator.Beams, o hardware.Output, on bool) {
	if !on {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o == hardware.MagazineLight {
		s.magLight++
		switch s.magLight {
		case 1: // session start: initiate
			poke(b, 100*time.Millisecond, hardware.Magazine)
		case 2: // a pellet: collect it, then poke in the ITI it starts
			poke(b, 80*time.Millisecond, hardware.Magazine)
			poke(b, 230*time.Millisecond, hardware.Hole(1))
		}
		return
	}
	n, ok := o.Stimulus()
	if !ok {
		return
	}
	s.stimuli = append(s.stimuli, n)
	switch len(s.stimuli) {
	case 1:
		poke(b, 80*time.Millisecond, hardware.Hole(n))
	case 2:
		poke(b, 80*time.Millisecond, hardware.Hole(n%5+1))
	} // the third: no response, an omission
}

func TestSessionOverPTY(t *testing.T) {
	sub := &trialSubject{}
	b := newBoard(t, emulator.WithClock(time.Second, 50), emulator.WithSubject(sub))
	c := open(t, b)
	rec := &controller.Memory{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := controller.Run(ctx, controller.Setup{Protocol: newSession(t, shortParams()), Chamber: c, Recorder: rec})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Err != nil || res.EndReason != protocols.EndMaxTrials {
		t.Fatalf("session ended %q (%v), want %q", res.EndReason, res.Err, protocols.EndMaxTrials)
	}
	events, attempts := rec.Events(), rec.Attempts()
	sub.mu.Lock()
	defer sub.mu.Unlock()

	// The inputs recorded are the edges the board made, in order, without
	// a gap, each at the host instant the board stamped it.
	var inputs, outputs []storage.Event
	for _, e := range events {
		if e.IsInput() {
			inputs = append(inputs, e)
		} else {
			outputs = append(outputs, e)
		}
	}
	edges := b.Edges()
	if len(inputs) != len(edges) || len(edges) != 10 {
		t.Fatalf("recorded %d inputs, the board made %d edges, want 10", len(inputs), len(edges))
	}
	var errs []time.Duration
	for i, e := range inputs {
		d := edges[i]
		if e.Input != d.Input || e.Entry != d.Entry || e.HWSeq != uint64(i+1) {
			t.Errorf("input %d: recorded %v entry=%v #%d, board made %v entry=%v #%d", i, e.Input, e.Entry, e.HWSeq, d.Input, d.Entry, d.Seq)
		}
		err := e.At - d.Host.Sub(res.StartedAt)
		errs = append(errs, err)
		if err.Abs() > timeTolerance {
			t.Errorf("input %d (%v): recorded at %v, stamped at %v", i, e.Input, e.At, d.Host.Sub(res.StartedAt))
		}
	}
	t.Logf("input time error: %s", summary(errs))

	// The outputs recorded are those the board switched, at the times it
	// switched them; then the runner's Halt switched everything off.
	var switched []emulator.OutputChange
	for _, o := range b.Outputs() {
		if o.Cause == "SET" || o.Cause == "PULSE" {
			switched = append(switched, o)
		}
	}
	if len(outputs) != len(switched) {
		t.Fatalf("recorded %d output changes, the board made %d", len(outputs), len(switched))
	}
	errs = errs[:0]
	pellets := 0
	for i, e := range outputs {
		o := switched[i]
		if e.Output != o.Output || e.On != o.On {
			t.Errorf("output %d: recorded %v on=%v, board switched %v on=%v", i, e.Output, e.On, o.Output, o.On)
		}
		err := e.At - o.Host.Sub(res.StartedAt)
		errs = append(errs, err)
		if err.Abs() > timeTolerance {
			t.Errorf("output %d (%v): recorded at %v, switched at %v", i, e.Output, e.At, o.Host.Sub(res.StartedAt))
		}
		if o.Output == hardware.Pellet {
			pellets++
		}
	}
	t.Logf("output time error: %s", summary(errs))
	if pellets != 2 {
		t.Errorf("%d pellets, want 2 (free pellet and one correct)", pellets)
	}
	for o := hardware.Output(1); o <= hardware.Pellet; o++ {
		if b.Lit(o) {
			t.Errorf("%v on after the session", o)
		}
	}

	// The attempts are what the subject did.
	if len(sub.stimuli) != 3 {
		t.Fatalf("subject saw stimuli %v, want 3", sub.stimuli)
	}
	want := []struct {
		outcome      protocols.Outcome
		target, hole int
	}{
		{protocols.Correct, sub.stimuli[0], sub.stimuli[0]},
		{protocols.Premature, 0, 1},
		{protocols.Incorrect, sub.stimuli[1], sub.stimuli[1]%5 + 1},
		{protocols.Omission, sub.stimuli[2], 0},
	}
	if len(attempts) != len(want) {
		t.Fatalf("%d attempts, want %d", len(attempts), len(want))
	}
	for i, w := range want {
		a := attempts[i+1]
		if a.Outcome != w.outcome || a.ResponseHole != w.hole || (w.target != 0 && a.Target != w.target) {
			t.Errorf("attempt %d: %v target %d hole %d; want %v target %d hole %d", a.N, a.Outcome, a.Target, a.ResponseHole, w.outcome, w.target, w.hole)
		}
	}
	if s := c.Stats(); s.Lost+s.Dropped+s.Corrupt+s.Retries != 0 {
		t.Errorf("stats %+v, want no loss, corruption or retry", s)
	}
	ci := c.Clock()
	t.Logf("clock: %+v", ci)
	if ci.DriftPPM < 0 || ci.DriftPPM > 100 { // a few seconds of samples, perhaps on a loaded machine
		t.Errorf("drift estimated at %.1f ppm, the board runs 50 ppm fast", ci.DriftPPM)
	}
}
