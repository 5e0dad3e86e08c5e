package rat_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
)

// session runs one whole session of a rat through the real runner on
// virtual time.
func session(t *testing.T, rp rat.Traits, p protocols.Params, log *[]sim.OutputChange) (controller.Result, []protocols.Attempt) {
	t.Helper()
	ps, err := protocols.NewSession(p)
	if err != nil {
		t.Fatal(err)
	}
	var opts []sim.Option
	if log != nil {
		opts = append(opts, sim.WithOutputLog(log))
	}
	ch := sim.NewVirtual(rat.New(rp, p.Holes, p.Seed), opts...)
	res, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch})
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	return res, ps.Attempts()
}

// cohortMean runs n sessions (seeds 1..n) and averages their counters.
func cohortMean(t *testing.T, rp rat.Traits, p protocols.Params, n int) (c struct{ acc, om, prem, pers, to float64 }) {
	t.Helper()
	for i := 1; i <= n; i++ {
		p.Seed = uint64(i)
		res, _ := session(t, rp, p, nil)
		k := res.Summary.Counters
		if resp := k.Correct + k.Incorrect; resp > 0 {
			c.acc += 100 * float64(k.Correct) / float64(resp) / float64(n)
		}
		c.om += 100 * float64(k.Omissions) / float64(k.TrialsScored) / float64(n)
		c.prem += float64(k.Premature) / float64(n)
		c.pers += float64(k.Perseverative) / float64(n)
		c.to += float64(k.TimeoutResponses) / float64(n)
	}
	return c
}

func preset(t *testing.T, name string) protocols.Params {
	p, err := protocols.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRatTraits: each trait does what its documentation says, in sessions
// run by the real runner.
func TestRatTraits(t *testing.T) {
	def := rat.Default()
	long := preset(t, "baseline")
	long.StimulusDuration = protocols.Duration(30 * time.Second)
	tests := []struct {
		name  string
		set   func(*rat.Traits)
		p     protocols.Params
		check func(c struct{ acc, om, prem, pers, to float64 }) bool
	}{
		{"no impulsivity, no premature", func(r *rat.Traits) { r.Impulsivity = 0 }, preset(t, "long_iti"),
			func(c struct{ acc, om, prem, pers, to float64 }) bool { return c.prem == 0 }},
		{"no motivation, only omissions", func(r *rat.Traits) { r.Motivation = 0 }, preset(t, "baseline"),
			func(c struct{ acc, om, prem, pers, to float64 }) bool { return c.om == 100 && c.prem == 0 }},
		{"no perseveration or time-out pokes", func(r *rat.Traits) { r.Perseveration, r.TimeoutPokes = 0, 0 }, preset(t, "baseline"),
			func(c struct{ acc, om, prem, pers, to float64 }) bool { return c.pers == 0 && c.to == 0 }},
		{"perfect eyes and a long light: every response correct", func(r *rat.Traits) {
			r.Attention, r.LocationError, r.GlimpseError, r.Impulsivity = 1, 0, 0, 0
		}, long, func(c struct{ acc, om, prem, pers, to float64 }) bool { return c.acc == 100 }},
		{"time-out pokes counted", func(r *rat.Traits) { r.TimeoutPokes = 2 }, preset(t, "short_sd"),
			func(c struct{ acc, om, prem, pers, to float64 }) bool { return c.to > 10 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp := def
			tt.set(&rp)
			if c := cohortMean(t, rp, tt.p, 10); !tt.check(c) {
				t.Errorf("got %+v", c)
			}
		})
	}
}

// TestChallengesMoveTheRightMeasures: the default rat's response to the
// task's own parameters (the literature's checks, on many rats, are in
// package validate).
func TestChallengesMoveTheRightMeasures(t *testing.T) {
	def := rat.Default()
	base := cohortMean(t, def, preset(t, "baseline"), 40)
	longITI := cohortMean(t, def, preset(t, "long_iti"), 40)
	shortSD := cohortMean(t, def, preset(t, "short_sd"), 40)
	if longITI.prem < 1.5*base.prem {
		t.Errorf("premature: %.1f at ITI 5 s, %.1f at 7 s: the waiting hazard should grow", base.prem, longITI.prem)
	}
	if shortSD.acc > base.acc-5 || shortSD.om < base.om+2 {
		t.Errorf("SD 0.5 → 0.25 s: accuracy %.1f → %.1f, omissions %.1f → %.1f", base.acc, shortSD.acc, base.om, shortSD.om)
	}
}

// TestProtocolVariants: the rat copes with every convention the protocol
// offers: each session finishes its trials.
func TestProtocolVariants(t *testing.T) {
	tests := []struct {
		name string
		set  func(*protocols.Params)
	}{
		{"auto initiation", func(p *protocols.Params) { p.Initiation = protocols.InitiationAuto }},
		{"house light on in time-out", func(p *protocols.Params) { p.TimeoutHouseLight = protocols.HouseLightOn }},
		{"both", func(p *protocols.Params) {
			p.Initiation, p.TimeoutHouseLight = protocols.InitiationAuto, protocols.HouseLightOn
		}},
		{"premature not punished", func(p *protocols.Params) { p.PrematurePunished = false }},
		{"window from onset", func(p *protocols.Params) { p.LimitedHoldFrom = protocols.FromStimulusOnset }},
		{"time-out restarts", func(p *protocols.Params) { p.TimeoutRestartsOnResponse = true }},
		{"no free pellet", func(p *protocols.Params) { p.FreePelletAtStart = false }},
		{"3 holes", func(p *protocols.Params) { p.Holes = 3 }},
		{"9 holes", func(p *protocols.Params) { p.Holes = 9 }},
		{"variable ITI and SD", func(p *protocols.Params) {
			p.ITIChoices = []protocols.Duration{protocols.Duration(3 * time.Second), protocols.Duration(9 * time.Second)}
			p.StimulusDurations = []protocols.Duration{protocols.Duration(200 * time.Millisecond), protocols.Duration(time.Second)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 5; seed++ {
				p := protocols.Default()
				tt.set(&p)
				p.Seed = seed
				res, _ := session(t, rat.Default(), p, nil)
				if res.EndReason != protocols.EndMaxTrials {
					t.Fatalf("seed %d: ended %s after %v with %+v", seed, res.EndReason, res.At, res.Summary.Counters)
				}
				if c := res.Summary.Counters; c.Correct < 50 {
					t.Errorf("seed %d: only %d correct: %+v", seed, c.Correct, c)
				}
			}
		})
	}
}

// TestSameSeedSameSession: every draw comes from the seed.
func TestSameSeedSameSession(t *testing.T) {
	p := preset(t, "variable_iti")
	p.Seed = 77
	var a, b []sim.OutputChange
	_, aa := session(t, rat.Default(), p, &a)
	_, ab := session(t, rat.Default(), p, &b)
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(aa, ab) {
		t.Error("the same seed gave two different sessions")
	}
	p.Seed = 78
	_, ac := session(t, rat.Default(), p, nil)
	if reflect.DeepEqual(aa, ac) {
		t.Error("two seeds gave the same session")
	}
}

// TestPartialParams: a literal naming only a few traits still runs (zero
// durations take defaults), as older callers write them.
func TestPartialParams(t *testing.T) {
	p := preset(t, "baseline")
	p.Seed = 3
	res, _ := session(t, rat.Traits{Attention: 0.9, Impulsivity: 0.04, Motivation: 0.95, Speed: 1, Perseveration: 0.05}, p, nil)
	if res.EndReason != protocols.EndMaxTrials {
		t.Errorf("ended %s: %+v", res.EndReason, res.Summary.Counters)
	}
}

// nopActions accepts actions and allocates nothing.
type nopActions struct{ id sim.ActionID }

func (s *nopActions) Schedule(time.Duration, hardware.Input, bool) sim.ActionID {
	s.id++
	return s.id
}
func (*nopActions) Cancel(sim.ActionID) {}

// TestNoAllocationPerEvent: reacting to the chamber allocates nothing, so
// simulated studies stay fast.
func TestNoAllocationPerEvent(t *testing.T) {
	r := rat.New(rat.Default(), 5, 1)
	r.Begin(&nopActions{})
	now := time.Duration(0)
	allocs := testing.AllocsPerRun(200, func() {
		for _, o := range []struct {
			out hardware.Output
			on  bool
		}{
			{hardware.MagazineLight, true}, {hardware.MagazineLight, false}, {hardware.Stimulus(3), true},
			{hardware.Stimulus(3), false}, {hardware.Pellet, true}, {hardware.MagazineLight, true},
			{hardware.MagazineLight, false}, {hardware.HouseLight, false}, {hardware.HouseLight, true},
		} {
			now += 700 * time.Millisecond
			r.Observe(now, o.out, o.on)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per trial's events", allocs)
	}
}
