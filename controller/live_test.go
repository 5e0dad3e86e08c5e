package controller

import (
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/protocols"
)

// BenchmarkLiveView is what keeping a chamber's live view up to date costs
// the runner over one 1000-trial session (the supervisor's progress after
// every step), with a subject that answers every stimulus correctly after
// 300 ms and collects 700 ms later. It drives the protocol directly, so
// that the figure is the live view's and the protocol's alone.
func BenchmarkLiveView(b *testing.B) {
	p := protocols.Default()
	p.MaxTrials, p.MaxDuration, p.Initiation = 1000, protocols.Duration(10*time.Hour), protocols.InitiationAuto
	b.ReportAllocs()
	for b.Loop() {
		s, err := protocols.NewSession(p)
		if err != nil {
			b.Fatal(err)
		}
		r := &running{}
		s.Start()
		r.progress(s)
		input := func(in hardware.Input, entry bool, at time.Duration) {
			s.Input(hardware.Event{Input: in, Entry: entry, At: at})
			r.progress(s)
		}
		input(hardware.Magazine, true, 0) // the first attempt (R5)
		input(hardware.Magazine, false, 100*time.Millisecond)
		for d, ok := s.Deadline(); ok; d, ok = s.Deadline() {
			s.Expire(d)
			r.progress(s)
			if s.State() != protocols.StateStimulus {
				continue
			}
			hole := hardware.Hole(s.Attempts()[len(s.Attempts())-1].Target)
			input(hole, true, d+300*time.Millisecond)
			input(hole, false, d+400*time.Millisecond)
			input(hardware.Magazine, true, d+time.Second)
			input(hardware.Magazine, false, d+1100*time.Millisecond)
		}
		if r.attempt != 1000 {
			b.Fatalf("%d attempts", r.attempt)
		}
	}
}
