package protocols

import (
	"slices"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// FuzzParams: any JSON either is refused with an error or gives a parameter
// set that Check passes or refuses, never a panic; and what it passes
// starts a session.
func FuzzParams(f *testing.F) {
	f.Add([]byte(`{"iti": "7s", "initiation": "auto"}`))
	f.Add([]byte(`{"iti_choices": ["7s", "9s"], "iti_sequence": ["9s"]}`))
	f.Add([]byte(`{"holes": 9, "targets": [9, 1]}`))
	f.Add([]byte(`{"max_duration": "-1s"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Default().Override(b)
		if err != nil {
			return
		}
		c, err := p.Check()
		if err != nil {
			return
		}
		c.NewSession().Start()
	})
}

// FuzzSession drives a session with arbitrary input sequences and checks
// the invariants every session keeps: attempts numbered in order, at most
// one without an outcome, scored trials within max_trials, no stimulus lit
// outside the stimulus state, time never running backwards, the live
// summary equal to Score of the attempts after every step, and each step
// reporting every attempt it changed and decided.
func FuzzSession(f *testing.F) {
	f.Add(uint64(1), []byte{0, 10, 3, 200, 1, 40, 0, 90})
	f.Add(uint64(7), []byte{5, 5, 5, 5, 0, 0, 0, 0, 1, 2, 3, 4, 250, 251})
	f.Fuzz(func(t *testing.T, seed uint64, script []byte) {
		p := Default()
		p.Seed = seed
		p.ITI, p.StimulusDuration, p.LimitedHold, p.Timeout = Duration(time.Second), Duration(300*time.Millisecond), Duration(time.Second), Duration(time.Second)
		p.MaxTrials = 5
		p.MaxDuration = Duration(time.Minute)
		p.PrematurePunished = seed%2 == 0
		p.Initiation = []string{InitiationAuto, InitiationMagazine}[seed/2%2]
		p.AtTimeLimit = []string{AtLimitStop, AtLimitFinishTrial}[seed/4%2]
		p.TimeoutRestartsOnResponse = seed/8%2 == 1
		s, err := NewSession(p)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		now := time.Duration(0)
		for _, b := range script {
			now += time.Duration(b%64) * 50 * time.Millisecond
			in := hardware.Magazine
			if h := int(b>>6) + int(b%3); h > 0 && h <= p.Holes {
				in = hardware.Hole(h)
			}
			for d, ok := s.Deadline(); ok && d < now; d, ok = s.Deadline() {
				before := slices.Clone(s.Attempts())
				stepReports(t, before, s.Expire(d), s)
				invariants(t, s)
			}
			before := slices.Clone(s.Attempts())
			stepReports(t, before, s.Input(hardware.Event{Input: in, Entry: b%2 == 0, At: now}), s)
			invariants(t, s)
		}
		before := slices.Clone(s.Attempts())
		stepReports(t, before, s.Expire(now+2*time.Minute), s)
		invariants(t, s)
		if _, _, ended := s.Ended(); !ended {
			t.Errorf("session did not end by its time limit")
		}
	})
}

func invariants(t *testing.T, s *Session) {
	t.Helper()
	pending, scored := 0, 0
	for i, a := range s.Attempts() {
		if a.N != i+1 {
			t.Fatalf("attempt %d numbered %d", i+1, a.N)
		}
		if a.Outcome == Pending {
			pending++
		}
		if a.Outcome.Scored() {
			scored++
		}
	}
	if pending > 1 || scored > s.p.MaxTrials {
		t.Fatalf("%d attempts pending, %d scored (max %d)", pending, scored, s.p.MaxTrials)
	}
	if live, want := s.Summary(), Score(s.Attempts(), s.MagazineEntries()); !live.Equal(want) {
		t.Fatalf("live summary %+v differs from Score's %+v", live.Counters, want.Counters)
	}
	if st := s.State(); st != StateStimulus {
		for h := 1; h <= s.p.Holes; h++ {
			if s.Lit(hardware.Stimulus(h)) {
				t.Fatalf("stimulus %d lit in state %v", h, st)
			}
		}
	}
}

// stepReports checks that a step's Changed holds every attempt that differs
// from before it, and its Decided exactly those whose outcome it gave.
func stepReports(t *testing.T, before []Attempt, st *Step, s *Session) {
	t.Helper()
	changed, decided := st.Changed(), st.Decided()
	in := func(list []Attempt, n int) bool {
		return slices.ContainsFunc(list, func(a Attempt) bool { return a.N == n })
	}
	for i, a := range s.Attempts() {
		if (i >= len(before) || a != before[i]) && !in(changed, a.N) {
			t.Fatalf("attempt %d changed, not in the step's Changed", a.N)
		}
		gotOutcome := a.Outcome != Pending && (i >= len(before) || before[i].Outcome == Pending)
		if gotOutcome != in(decided, a.N) {
			t.Fatalf("attempt %d: got its outcome %v, in the step's Decided %v", a.N, gotOutcome, in(decided, a.N))
		}
	}
}
