package protocols

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

const ms = time.Millisecond

// drive runs a session over inputs the way a runner does: expiring each
// deadline before any later input, and returns it.
func drive(t *testing.T, p Params, inputs []hardware.Event, until time.Duration) *Session {
	t.Helper()
	s, err := NewSession(p)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	for _, ev := range inputs {
		s.Input(ev)
	}
	s.Expire(until)
	return s
}

func entry(in hardware.Input, at time.Duration) hardware.Event {
	return hardware.Event{Input: in, Entry: true, At: at}
}

func release(in hardware.Input, at time.Duration) hardware.Event {
	return hardware.Event{Input: in, Entry: false, At: at}
}

// TestBalancedBlocks checks R15: every block of `holes` scored trials uses
// each hole once, whatever seed, and premature attempts repeat their target.
func TestBalancedBlocks(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		for holes := 3; holes <= 9; holes++ {
			sch := newTargetSchedule(Params{Holes: holes, LocationSchedule: ScheduleBalanced, Seed: seed})
			for block := 0; block < 4; block++ {
				var got []int
				for i := 0; i < holes; i++ {
					h, err := sch.at(block*holes + i)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, h)
				}
				slices.Sort(got)
				for i, h := range got {
					if h != i+1 {
						t.Fatalf("seed %d holes %d block %d: %v is not a permutation", seed, holes, block, got)
					}
				}
			}
		}
	}
}

func TestSeedDeterminesEveryDraw(t *testing.T) {
	p, _ := Lookup("variable_iti")
	p.StimulusDurations = []Duration{Duration(250 * ms), Duration(500 * ms), Duration(time.Second)}
	p.Initiation = InitiationAuto
	p.Seed = 42
	run := func(p Params) []Attempt {
		// No responses at all: every attempt is an omission, drawing its ITI,
		// SD and target.
		return drive(t, p, []hardware.Event{entry(hardware.Magazine, 0)}, 10*time.Minute).Attempts()
	}
	a, b := run(p), run(p)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different sessions")
	}
	if len(a) < 20 {
		t.Fatalf("only %d attempts", len(a))
	}
	itis, sds := map[time.Duration]bool{}, map[time.Duration]bool{}
	for _, at := range a {
		if !slices.Contains(p.ITIChoices, Duration(at.ITI)) {
			t.Errorf("attempt %d: ITI %v not one of the choices", at.N, at.ITI)
		}
		if !slices.Contains(p.StimulusDurations, Duration(at.SD)) {
			t.Errorf("attempt %d: SD %v not one of the choices", at.N, at.SD)
		}
		itis[at.ITI], sds[at.SD] = true, true
	}
	if len(itis) != 4 || len(sds) != 3 {
		t.Errorf("draws used %d ITIs and %d SDs; want every choice over %d attempts", len(itis), len(sds), len(a))
	}
	p.Seed = 43
	if reflect.DeepEqual(a, run(p)) {
		t.Error("a different seed gave the same session")
	}
}

// TestLateInputNeverRunsBackwards: an input delivered after a later
// deadline was processed is taken at the session's current time.
func TestLateInputNeverRunsBackwards(t *testing.T) {
	p := Default()
	p.Targets = []int{1, 2}
	s, _ := NewSession(p)
	s.Start()
	s.Input(entry(hardware.Magazine, 0))
	s.Expire(5 * time.Second) // onset
	s.Expire(5600 * ms)       // limited hold
	st := s.Input(entry(hardware.Hole(1), 5200*ms))
	if st.Class != ClassCorrect {
		t.Fatalf("class %v", st.Class)
	}
	if lat := s.Attempts()[0].ResponseLatency(); lat != 600*ms || st.Latency != lat {
		t.Errorf("latency %v (step: %v), want 600ms (the late input taken at the current time)", lat, st.Latency)
	}
}

func TestDeadlineAndStop(t *testing.T) {
	p := Default()
	p.Targets = []int{3}
	s, _ := NewSession(p)
	if _, ok := s.Deadline(); ok {
		t.Error("a deadline before Start")
	}
	cmds := s.Start().Commands
	want := []Command{{0, hardware.HouseLight, true}, {0, hardware.MagazineLight, true}, {0, hardware.Pellet, true}}
	if !reflect.DeepEqual(cmds, want) {
		t.Errorf("Start = %v, want %v (R4)", cmds, want)
	}
	if d, ok := s.Deadline(); !ok || d != 30*time.Minute {
		t.Errorf("deadline in start = %v %v, want the session limit", d, ok)
	}
	s.Input(entry(hardware.Magazine, 2*time.Second))
	if d, _ := s.Deadline(); d != 7*time.Second {
		t.Errorf("deadline in the ITI = %v, want 7s", d)
	}
	cmds = s.Stop(3*time.Second, EndStopped).Commands
	at, reason, ended := s.Ended()
	if !ended || at != 3*time.Second || reason != EndStopped {
		t.Errorf("Ended = %v %q %v", at, reason, ended)
	}
	if s.Attempts()[0].Outcome != Unfinished {
		t.Errorf("outcome %v, want unfinished (R22)", s.Attempts()[0].Outcome)
	}
	for _, c := range cmds {
		if c.On {
			t.Errorf("Stop switched %v on", c.Output)
		}
	}
	if s.Lit(hardware.HouseLight) || s.Lit(hardware.MagazineLight) {
		t.Error("outputs on after the end (R23)")
	}
	if c := s.Input(entry(hardware.Hole(3), 4*time.Second)).Class; c != ClassIgnored {
		t.Errorf("input after the end counted as %v (R20a)", c)
	}
}

func TestScriptedListRunsDry(t *testing.T) {
	p := Default()
	p.Targets = []int{2}
	p.Initiation = InitiationAuto
	s := drive(t, p, []hardware.Event{entry(hardware.Magazine, 0)}, time.Minute)
	_, reason, ended := s.Ended()
	if !ended || reason != EndAborted || s.Err() == nil {
		t.Fatalf("ended %v reason %q err %v; want an aborted session naming the list", ended, reason, s.Err())
	}
}

// TestReplayReproducesTheSession: scoring is a pure function of the
// parameters and the inputs, so replaying the recorded inputs gives the
// same attempts (random sessions, random inputs).
func TestReplayReproducesTheSession(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		p := Default()
		p.Seed = rng.Uint64() >> 1
		p.ITI = Duration(time.Duration(1+rng.IntN(5)) * time.Second)
		p.Initiation = []string{InitiationAuto, InitiationMagazine}[rng.IntN(2)]
		p.PrematurePunished = rng.IntN(2) == 0
		p.MaxTrials = 1 + rng.IntN(30)
		p.MaxDuration = Duration(time.Duration(30+rng.IntN(300)) * time.Second)
		var inputs []hardware.Event
		var broken [hardware.Magazine + 1]bool
		tm := time.Duration(0)
		for k := 0; k < 300; k++ {
			tm += time.Duration(rng.IntN(1500)) * ms
			in := hardware.Magazine
			if rng.IntN(3) > 0 {
				in = hardware.Hole(1 + rng.IntN(p.Holes))
			}
			inputs = append(inputs, hardware.Event{Input: in, Entry: !broken[in], At: tm})
			broken[in] = !broken[in]
		}
		live := drive(t, p, inputs, tm+time.Hour)
		end, reason, ended := live.Ended()
		if !ended {
			t.Fatalf("session %d did not end", i)
		}
		var upToEnd []hardware.Event
		for _, ev := range inputs {
			if ev.At <= end {
				upToEnd = append(upToEnd, ev)
			}
		}
		var log []LogEntry
		for _, ev := range upToEnd {
			log = append(log, LogEntry{Input: ev})
		}
		again, err := Replay(p, log, end, reason)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(live.Attempts(), again.Attempts()) || live.MagazineEntries() != again.MagazineEntries() {
			t.Fatalf("session %d: replay differs", i)
		}
	}
}
