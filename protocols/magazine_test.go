package protocols

import (
	"slices"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// TestMagazineTraining checks magazine training (section 8): pellets on
// a variable-time schedule, the magazine light on until each collection,
// hole entries recorded only, the session ending at its pellet count or
// its time limit.
func TestMagazineTraining(t *testing.T) {
	p, err := Lookup("magazine")
	if err != nil {
		t.Fatal(err)
	}
	p.Seed = 42
	p.ITIChoices, p.ITI = []Duration{Duration(20 * time.Second)}, Duration(20*time.Second) // a fixed 20 s for the arithmetic
	s, err := NewSession(p)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Start()
	if want := []Command{{0, hardware.HouseLight, true}}; !slices.Equal(st.Commands, want) {
		t.Fatalf("start: %v, want house light only (no free pellet, magazine light off)", st.Commands)
	}
	if d, _ := s.Deadline(); d != 20*time.Second {
		t.Fatalf("first pellet due at %v, want 20s", d)
	}
	if c := s.Input(entry(hardware.Hole(3), 5*time.Second)).Class; c != ClassNone {
		t.Errorf("hole entry in the variable time: %v, want recorded only", c)
	}
	st = s.Expire(20 * time.Second)
	if want := []Command{{20 * time.Second, hardware.Pellet, true}, {20 * time.Second, hardware.MagazineLight, true}}; !slices.Equal(st.Commands, want) {
		t.Fatalf("delivery: %v, want pellet then magazine light", st.Commands)
	}
	if s.State() != StateAwaitCollection {
		t.Fatalf("state %v after delivery", s.State())
	}
	// Collected 1.5 s later: the light goes off, the next variable time begins.
	st = s.Input(entry(hardware.Magazine, 21500*time.Millisecond))
	if st.Class != ClassCollection || st.Latency != 1500*time.Millisecond {
		t.Errorf("collection: class %v latency %v, want collection after 1.5s", st.Class, st.Latency)
	}
	if d, _ := s.Deadline(); d != 41500*time.Millisecond {
		t.Errorf("next pellet due %v, want 41.5s (20 s after the collection)", d)
	}
	// A pellet left uncollected keeps the light on and no new one comes.
	s.Expire(41500 * time.Millisecond)
	s.Expire(5 * time.Minute)
	if got := s.Tally().Counters(); got.Correct != 2 || got.Premature != 0 || got.Perseverative != 0 {
		t.Errorf("counters %+v: want 2 pellets delivered, no task counts", got)
	}
	if !s.Lit(hardware.MagazineLight) {
		t.Error("magazine light off with a pellet waiting")
	}
	m := s.Summary().Measures
	if m.RewardLatencyMeanMs == nil || *m.RewardLatencyMeanMs != 1500 {
		t.Errorf("collection latency %v, want 1500 ms", m.RewardLatencyMeanMs)
	}
}

func TestMagazineEnds(t *testing.T) {
	cases := []struct {
		name    string
		collect bool
		reason  string
		pellets int
	}{
		{"every pellet collected: ends at the 30th collection (R21)", true, EndMaxTrials, 30},
		{"none collected: one pellet waits until the time limit (R22)", false, EndTimeLimit, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, _ := Lookup("magazine")
			p.Seed = 7
			s, _ := NewSession(p)
			s.Start()
			for {
				d, ok := s.Deadline()
				if !ok {
					break
				}
				s.Expire(d)
				if c.collect && s.State() == StateAwaitCollection {
					s.Input(entry(hardware.Magazine, d+time.Second))
					s.Input(release(hardware.Magazine, d+2*time.Second))
				}
			}
			_, reason, ended := s.Ended()
			if !ended || reason != c.reason || s.Tally().Counters().Correct != c.pellets {
				t.Errorf("ended %v %q with %d pellets, want %q with %d", ended, reason, s.Tally().Counters().Correct, c.reason, c.pellets)
			}
			for _, a := range s.Attempts() {
				if a.ITI < 15*time.Second || a.ITI > 45*time.Second || a.Target != 0 {
					t.Fatalf("attempt %d: variable time %v target %d, want 15-45 s and no target", a.N, a.ITI, a.Target)
				}
			}
		})
	}
}

func TestMagazineModeNeedsItsSettings(t *testing.T) {
	p, _ := Lookup("magazine")
	p.Initiation = InitiationMagazine
	if _, err := p.Check(); err == nil {
		t.Error("magazine mode with magazine initiation accepted")
	}
	p, _ = Lookup("baseline")
	p.Mode = "magzine"
	if _, err := p.Check(); err == nil {
		t.Error("unknown mode accepted")
	}
}
