package timing_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/controller/timing"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

const ms = time.Millisecond

// quickRat answers within the short windows of fastParams, and sometimes
// not at all, so that sessions pass through every kind of transition.
type quickRat struct {
	sch sim.Actions
	n   int
}

func (r *quickRat) Begin(s sim.Actions) {
	r.sch = s
	s.Schedule(5*ms, hardware.Magazine, true)
	s.Schedule(10*ms, hardware.Magazine, false)
}

func (r *quickRat) Observe(t time.Duration, o hardware.Output, on bool) {
	if h, ok := o.Stimulus(); ok && on {
		if r.n++; r.n%3 == 0 {
			return // an omission: window close and time-out end
		}
		r.sch.Schedule(t+10*ms, hardware.Hole(h), true)
		r.sch.Schedule(t+15*ms, hardware.Hole(h), false)
	}
	if o == hardware.Pellet && t > 0 {
		r.sch.Schedule(t+10*ms, hardware.Magazine, true)
		r.sch.Schedule(t+15*ms, hardware.Magazine, false)
	}
}

func fastParams() protocols.Params {
	p := protocols.Default()
	p.ITI, p.StimulusDuration, p.LimitedHold, p.Timeout = protocols.Duration(40*ms), protocols.Duration(30*ms), protocols.Duration(60*ms), protocols.Duration(40*ms)
	p.Initiation = protocols.InitiationAuto
	p.MaxTrials = 9
	return p
}

// lateness is an Observer keeping every transition's lateness.
type lateness struct {
	mu   sync.Mutex
	late []time.Duration
}

func (l *lateness) Input(protocols.Class, time.Duration) {}
func (l *lateness) Outcome(protocols.Attempt)            {}
func (l *lateness) LostInputs(uint64)                    {}
func (l *lateness) Transition(_ string, d time.Duration) {
	l.mu.Lock()
	l.late = append(l.late, d)
	l.mu.Unlock()
}

// TestRecordedSessionStoresItsTiming runs real-time sessions on the
// scheduler (deadlines and the simulated subject both) and checks that
// every timer-driven transition is counted, none early, and that the
// summary is stored with the session.
func TestRecordedSessionStoresItsTiming(t *testing.T) {
	ctx := context.Background()
	db, w := storagetest.Open(t, "R01")
	s := timing.New()
	defer s.Close()
	after := func(d time.Time) (<-chan time.Time, func() bool) { tm := s.Timer(d); return tm.C, tm.Stop }

	obs := &lateness{}
	ch := sim.NewRealtime(&quickRat{}, sim.WithTimer(after))
	rec, err := controller.RunRecorded(ctx, w, controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "baseline", Backend: hardware.BackendSim, Params: fastParams()}},
		controller.Setup{Chamber: ch, Scheduler: s, Observer: obs})
	if err != nil || rec.Result.Err != nil {
		t.Fatal(err, rec.Result.Err)
	}
	if rec.Result.EndReason != protocols.EndMaxTrials {
		t.Fatalf("ended %s", rec.Result.EndReason)
	}
	h := rec.Result.Lateness
	if h == nil || h.Count() != int64(len(obs.late)) || h.Count() < 9*2 {
		t.Fatalf("lateness histogram %+v for %d transitions", h, len(obs.late))
	}
	for i, d := range obs.late {
		if d < 0 {
			t.Errorf("transition %d carried out %v before its deadline", i, -d)
		}
	}
	stored, err := db.Session(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got timing.Summary
	if err := json.Unmarshal(stored.Timing, &got); err != nil {
		t.Fatalf("stored timing %q: %v", stored.Timing, err)
	}
	if got != h.Summary() {
		t.Errorf("stored %+v, result %+v", got, h.Summary())
	}

	// Virtual time has no lateness to speak of: nothing is stored.
	v := sim.NewVirtual(&quickRat{})
	rec, err = controller.RunRecorded(ctx, w, controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "baseline", Backend: hardware.BackendSim, Params: fastParams()}},
		controller.Setup{Chamber: v, Timeline: v})
	if err != nil || rec.Result.Err != nil || rec.Result.Lateness != nil {
		t.Fatal(err, rec.Result.Err, rec.Result.Lateness)
	}
	if stored, err = db.Session(ctx, rec.ID); err != nil || stored.Timing != nil {
		t.Fatalf("virtual session timing %q, %v", stored.Timing, err)
	}
}
