package controller_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

const ms = time.Millisecond

// fast is a protocol short enough to run on the wall clock in a test.
func fast(seed uint64) protocols.Params {
	p := protocols.Default()
	p.ITI, p.StimulusDuration, p.LimitedHold, p.Timeout = protocols.Duration(40*ms), protocols.Duration(30*ms), protocols.Duration(60*ms), protocols.Duration(40*ms)
	p.Initiation = protocols.InitiationAuto
	p.MaxTrials = 8
	p.Seed = seed
	return p
}

// quickRat answers within the short windows of fast.
type quickRat struct{ sch sim.Actions }

func (r *quickRat) Begin(s sim.Actions) {
	r.sch = s
	s.Schedule(5*ms, hardware.Magazine, true)
	s.Schedule(10*ms, hardware.Magazine, false)
}

func (r *quickRat) Observe(t time.Duration, o hardware.Output, on bool) {
	if h, ok := o.Stimulus(); ok && on {
		r.sch.Schedule(t+10*ms, hardware.Hole(h), true)
		r.sch.Schedule(t+15*ms, hardware.Hole(h), false)
	}
	if o == hardware.Pellet && t > 0 {
		r.sch.Schedule(t+10*ms, hardware.Magazine, true)
		r.sch.Schedule(t+15*ms, hardware.Magazine, false)
	}
}

// TestRealtimeSession runs the same runner on the wall clock: a real-time
// simulated chamber delivers events through its channel, as hardware does.
func TestRealtimeSession(t *testing.T) {
	p := fast(1)
	ps, _ := protocols.NewSession(p)
	ch := sim.NewRealtime(&quickRat{})
	start := time.Now()
	res, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch})
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	c := res.Summary.Counters
	if res.EndReason != protocols.EndMaxTrials || c.Correct != 8 {
		t.Errorf("ended %s with %+v; want 8 correct trials", res.EndReason, c)
	}
	if wall := time.Since(start); wall < res.At {
		t.Errorf("a %v session took %v of wall time: not real time", res.At, wall)
	}
	lat := res.Summary.Measures.CorrectLatencyMeanMs
	if lat == nil || *lat < 9.99 || *lat > 10.01 {
		t.Errorf("mean correct latency %v ms; the subject answered after exactly 10 ms of hardware time", lat)
	}
	for o := hardware.Output(1); o <= hardware.Pellet; o++ {
		if o.Valid() && ch.Lit(o) {
			t.Errorf("%v on after the session", o)
		}
	}
}

// TestCancelStops: cancelling ends the session as stopped, outputs off.
func TestCancelStops(t *testing.T) {
	p := protocols.Default()
	ps, _ := protocols.NewSession(p)
	ch := sim.NewRealtime(sim.Script{{At: 0, Input: hardware.Magazine, Entry: true}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*ms)
	defer cancel()
	res, err := controller.Run(ctx, controller.Setup{Protocol: ps, Chamber: ch})
	if err != nil {
		t.Fatal(err)
	}
	if res.EndReason != protocols.EndStopped || res.Err != nil {
		t.Errorf("ended %q (%v), want stopped", res.EndReason, res.Err)
	}
	if res.Summary.Counters.Attempts != 1 || ps.Attempts()[0].Outcome != protocols.Unfinished {
		t.Errorf("attempts %+v", ps.Attempts())
	}
	if ch.Lit(hardware.HouseLight) {
		t.Error("house light on after a stop")
	}
}

// TestHardwareFaultAborts: a chamber that fails ends its session as
// aborted, with the fault, and everything recorded so far is kept.
func TestHardwareFaultAborts(t *testing.T) {
	ctx := context.Background()
	db, w := storagetest.Open(t, "R01")
	ch := sim.NewRealtime(&quickRat{})
	cable := errors.New("cable pulled")
	time.AfterFunc(150*ms, func() { ch.Fail(cable) })
	p := fast(2)
	p.MaxTrials = 1000
	rec, err := controller.RunRecorded(ctx, w, controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: p}}, controller.Setup{Chamber: ch})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Result.EndReason != protocols.EndAborted || !errors.Is(rec.Result.Err, cable) {
		t.Fatalf("ended %q with %v, want aborted by the cable", rec.Result.EndReason, rec.Result.Err)
	}
	s, _ := db.Session(ctx, rec.ID)
	if s.EndReason != protocols.EndAborted || s.Error == "" {
		t.Errorf("stored session %+v", s)
	}
	as, _ := db.Attempts(ctx, rec.ID)
	if len(as) == 0 || as[len(as)-1].Outcome == protocols.Pending {
		t.Errorf("stored attempts: %d, last %+v", len(as), as)
	}
}

// TestRecordingFailureAborts: a session whose record can no longer be
// completed ends rather than running on unrecorded.
func TestRecordingFailureAborts(t *testing.T) {
	p := fast(3)
	p.MaxTrials = 1000
	ps, _ := protocols.NewSession(p)
	ch := sim.NewVirtual(&quickRat{})
	rec := &failingRecorder{after: 50}
	res, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch, Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	if res.EndReason != protocols.EndAborted || res.Err == nil {
		t.Errorf("ended %q (%v), want aborted", res.EndReason, res.Err)
	}
}

type failingRecorder struct{ after, n int }

func (f *failingRecorder) Event(storage.Event)       { f.n++ }
func (f *failingRecorder) Attempt(protocols.Attempt) {}
func (f *failingRecorder) Err() error {
	if f.n > f.after {
		return errors.New("disk full")
	}
	return nil
}

// TestStopWinsOverDueSteps: a stop ends a session even when its timeline
// never has to wait (a virtual chamber, all of whose steps are due at
// once): before issue 12 such a session ran to its end, ignoring the stop.
func TestStopWinsOverDueSteps(t *testing.T) {
	p := fast(3)
	p.MaxTrials = protocols.MaxTrials
	ps, err := protocols.NewSession(p)
	if err != nil {
		t.Fatal(err)
	}
	ch := sim.NewVirtual(&quickRat{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := controller.Run(ctx, controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch})
	if err != nil {
		t.Fatal(err)
	}
	if res.EndReason != protocols.EndStopped {
		t.Errorf("ended %q after %d attempts, want stopped", res.EndReason, res.Summary.Counters.Attempts)
	}
	if ch.Lit(hardware.HouseLight) {
		t.Error("house light on after a stop")
	}
}
