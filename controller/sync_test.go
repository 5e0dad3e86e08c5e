package controller_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// eventLog is a recorder keeping the events in memory.
type eventLog struct{ events []storage.Event }

func (l *eventLog) Event(e storage.Event)     { l.events = append(l.events, e) }
func (l *eventLog) Attempt(protocols.Attempt) {}

// TestSyncPulses: with a sync line, a session pulses it at its start and at
// every stimulus onset, at the onset's own time on virtual time, and the
// pulses are recorded as output events; without one, nothing is pulsed.
func TestSyncPulses(t *testing.T) {
	for _, withSync := range []bool{true, false} {
		p := protocols.Default()
		p.Seed, p.MaxTrials = 4, 30
		ps, err := protocols.NewSession(p)
		if err != nil {
			t.Fatal(err)
		}
		var changes []sim.OutputChange
		ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, 4), sim.WithOutputLog(&changes))
		rec := &eventLog{}
		res, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch, Recorder: rec, Sync: withSync})
		if err != nil {
			t.Fatal(err)
		}
		// The pulses are in the raw log, and rescoring from it still gives
		// the attempts scored live.
		var log []protocols.LogEntry
		for _, e := range rec.events {
			log = append(log, storage.LogEntry(e))
		}
		again, err := protocols.Replay(p, log, res.At, res.EndReason)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again.Attempts(), ps.Attempts()) {
			t.Errorf("sync %v: rescored attempts differ from the live ones", withSync)
		}
		var onsets, pulses []storage.Event
		for _, e := range rec.events {
			if _, ok := e.Output.Stimulus(); ok && e.On {
				onsets = append(onsets, e)
			}
			if e.Output == hardware.Sync {
				pulses = append(pulses, e)
			}
		}
		if !withSync {
			if len(pulses) > 0 {
				t.Errorf("no sync line, yet %d pulses", len(pulses))
			}
			continue
		}
		if len(onsets) < 30 || len(pulses) != len(onsets)+1 {
			t.Fatalf("%d stimulus onsets, %d sync pulses; want one at the start and one per onset", len(onsets), len(pulses))
		}
		if pulses[0].At != 0 {
			t.Errorf("first pulse at %v, want the session start", pulses[0].At)
		}
		for i, o := range onsets {
			if s := pulses[i+1]; s.At != o.At || s.Due != o.Due || s.Seq != o.Seq+1 {
				t.Errorf("onset %d at %v (due %v, #%d): pulse at %v (due %v, #%d), want right after it", i+1, o.At, o.Due, o.Seq, s.At, s.Due, s.Seq)
			}
		}
		n := 0
		for _, c := range changes {
			if c.Output == hardware.Sync {
				n++
			}
		}
		if n != len(pulses) {
			t.Errorf("the chamber saw %d pulses, %d recorded", n, len(pulses))
		}
	}
}
