package protocols

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// TestStepSaysWhatTheInputMeant walks one session through every class of
// input and checks what each step reports: the class (section 4), the
// attempt the input belongs to (R26), the latency it measured (R25), and
// the attempts it changed and decided.
func TestStepSaysWhatTheInputMeant(t *testing.T) {
	p := Default() // ITI 5s, SD 0.5s, LH 5s from offset, time-out 5s, premature punished
	p.Targets = []int{1, 2, 3}
	s, err := NewSession(p)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	in := func(in hardware.Input, at float64) func() *Step {
		return func() *Step { return s.Input(entry(in, sec(at))) }
	}
	out := func(in hardware.Input, at float64) func() *Step {
		return func() *Step { return s.Input(release(in, sec(at))) }
	}
	expire := func(at float64) func() *Step { return func() *Step { return s.Expire(sec(at)) } }
	tests := []struct {
		name     string
		step     func() *Step
		class    Class
		attempt  int
		latency  time.Duration
		changed  []int
		decided  []int
		hasOnset bool
	}{
		{"hole entry in start: recorded only", in(hardware.Hole(2), 1), ClassNone, 0, None, nil, nil, false},
		{"a beam restored", out(hardware.Hole(2), 1.1), ClassRelease, 0, None, nil, nil, false},
		{"a release of a beam never broken", out(hardware.Hole(2), 1.2), ClassIgnored, 0, None, nil, nil, false},
		{"initiation begins attempt 1", in(hardware.Magazine, 2), ClassInitiation, 1, None, []int{1}, nil, false},
		{"magazine restored", out(hardware.Magazine, 2.1), ClassRelease, 0, None, nil, nil, false},
		{"magazine entry in the ITI", in(hardware.Magazine, 3), ClassMagazine, 1, None, nil, nil, false},
		{"magazine restored", out(hardware.Magazine, 3.1), ClassRelease, 0, None, nil, nil, false},
		{"premature, punished", in(hardware.Hole(3), 4), ClassPremature, 1, 2 * time.Second, []int{1}, []int{1}, false},
		{"hole 3 restored", out(hardware.Hole(3), 4.1), ClassRelease, 0, None, nil, nil, false},
		{"time-out response belongs to attempt 1", in(hardware.Hole(3), 5), ClassTimeoutResponse, 1, None, []int{1}, nil, false},
		{"hole 3 restored", out(hardware.Hole(3), 5.1), ClassRelease, 0, None, nil, nil, false},
		{"time-out ends", expire(9), ClassNone, 0, None, nil, nil, false},
		{"perseverative awaiting initiation", in(hardware.Hole(1), 9.5), ClassPerseverative, 1, None, []int{1}, nil, false},
		{"hole 1 restored", out(hardware.Hole(1), 9.6), ClassRelease, 0, None, nil, nil, false},
		{"initiation begins attempt 2", in(hardware.Magazine, 10), ClassInitiation, 2, None, []int{2}, nil, false},
		{"magazine restored", out(hardware.Magazine, 10.1), ClassRelease, 0, None, nil, nil, false},
		{"stimulus onset", expire(15), ClassNone, 0, None, []int{2}, nil, true},
		{"correct", in(hardware.Hole(1), 15.3), ClassCorrect, 2, 300 * time.Millisecond, []int{2}, []int{2}, false},
		{"perseverative awaiting collection", in(hardware.Hole(2), 15.5), ClassPerseverative, 2, None, []int{2}, nil, false},
		{"collection: attempt 2's, beginning attempt 3", in(hardware.Magazine, 16), ClassCollection, 2, 700 * time.Millisecond, []int{2, 3}, nil, false},
		{"hole 1 restored", out(hardware.Hole(1), 16.1), ClassRelease, 0, None, nil, nil, false},
		{"a held beam is not a new entry", in(hardware.Hole(2), 16.2), ClassIgnored, 0, None, nil, nil, false},
		{"stimulus onset", expire(21), ClassNone, 0, None, []int{3}, nil, true},
		{"the window closes: omission", expire(26.5), ClassNone, 0, None, []int{3}, []int{3}, false},
		{"a hole not in use", in(hardware.Hole(7), 27), ClassIgnored, 0, None, nil, nil, false},
	}
	for i, tt := range tests {
		st := tt.step()
		where := fmt.Sprintf("step %d (%s)", i, tt.name)
		if st.Class != tt.class || st.Attempt != tt.attempt || st.Latency != tt.latency {
			t.Errorf("%s: class %v, attempt %d, latency %v; want %v, %d, %v", where, st.Class, st.Attempt, st.Latency, tt.class, tt.attempt, tt.latency)
		}
		if got := numbers(st.Changed()); !slices.Equal(got, tt.changed) {
			t.Errorf("%s: changed %v, want %v", where, got, tt.changed)
		}
		if got := numbers(st.Decided()); !slices.Equal(got, tt.decided) {
			t.Errorf("%s: decided %v, want %v", where, got, tt.decided)
		}
		for _, a := range st.Changed() {
			if !reflect.DeepEqual(a, s.Attempts()[a.N-1]) {
				t.Errorf("%s: changed attempt %+v is not as the session has it", where, a)
			}
		}
		if (st.Onset >= 0) != tt.hasOnset {
			t.Errorf("%s: onset to confirm %d", where, st.Onset)
		} else if tt.hasOnset {
			if c := st.Commands[st.Onset]; !c.On || c.Output != hardware.Stimulus(s.Attempts()[tt.changed[0]-1].Target) {
				t.Errorf("%s: onset names command %v", where, c)
			}
		}
	}
}

func numbers(as []Attempt) []int {
	var ns []int
	for _, a := range as {
		ns = append(ns, a.N)
	}
	return ns
}

// TestStimulusOnMovesTheWindow: a stimulus light that came on late moves
// the onset, the offset and the window close with it (R18), once; the
// step's copy of the attempt follows.
func TestStimulusOnMovesTheWindow(t *testing.T) {
	p := Default()
	p.Targets = []int{4}
	s, _ := NewSession(p)
	s.Start()
	s.Input(entry(hardware.Magazine, 0))
	st := s.Expire(5 * time.Second)
	if st.Onset < 0 {
		t.Fatal("the onset step names no light to confirm")
	}
	s.StimulusOn(5*time.Second + 30*ms)
	if a := s.Attempts()[0]; a.Onset != 5*time.Second+30*ms || st.Changed()[0].Onset != a.Onset {
		t.Errorf("onset %v, step's copy %v; want 5.03s", a.Onset, st.Changed()[0].Onset)
	}
	if st.Onset != -1 {
		t.Error("the onset is still to confirm after StimulusOn")
	}
	if d, _ := s.Deadline(); d != 5*time.Second+530*ms {
		t.Errorf("stimulus offset at %v, want 5.53s", d)
	}
	s.StimulusOn(6 * time.Second) // confirmed already: nothing moves
	if a := s.Attempts()[0]; a.Onset != 5*time.Second+30*ms {
		t.Errorf("onset moved twice, to %v", a.Onset)
	}
	st = s.Input(entry(hardware.Hole(4), 5*time.Second+330*ms))
	if st.Class != ClassCorrect || st.Latency != 300*ms {
		t.Errorf("%v with latency %v, want correct after 300ms from the real onset", st.Class, st.Latency)
	}
}

// TestLiveSummaryIsScore: the tally a session keeps as it goes gives, after
// every step, exactly (to the bit) what Score computes from its attempts,
// over random sessions with every option of section 2 in play. A snapshot
// taken along the way still gives what it gave then.
func TestLiveSummaryIsScore(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 300; i++ {
		p := Default()
		p.Seed = rng.Uint64() >> 1
		p.ITI = Duration(time.Duration(1+rng.IntN(40)) * 100 * ms)
		p.StimulusDuration = Duration(time.Duration(1+rng.IntN(10)) * 100 * ms)
		p.LimitedHold = Duration(time.Duration(1+rng.IntN(20)) * 100 * ms)
		p.LimitedHoldFrom = []string{FromStimulusOffset, FromStimulusOnset}[rng.IntN(2)]
		p.Initiation = []string{InitiationAuto, InitiationMagazine}[rng.IntN(2)]
		p.PrematurePunished = rng.IntN(2) == 0
		p.TimeoutRestartsOnResponse = rng.IntN(2) == 0
		p.AtTimeLimit = []string{AtLimitStop, AtLimitFinishTrial}[rng.IntN(2)]
		p.MaxTrials = 1 + rng.IntN(30)
		p.MaxDuration = Duration(time.Duration(30+rng.IntN(200)) * time.Second)
		s, err := NewSession(p)
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string) {
			t.Helper()
			if live, want := s.Summary(), Score(s.Attempts(), s.MagazineEntries()); !live.Equal(want) {
				l, _ := json.Marshal(live)
				w, _ := json.Marshal(want)
				t.Fatalf("session %d, %s at %v: live summary\n  %s\nwant Score's\n  %s", i, what, s.Now(), l, w)
			}
		}
		s.Start()
		var snap Tally
		var snapSum Summary
		var broken [hardware.Magazine + 1]bool
		tm := time.Duration(0)
		for k := 0; k < 400; k++ {
			tm += time.Duration(rng.IntN(1200)) * ms
			for d, ok := s.Deadline(); ok && d < tm; d, ok = s.Deadline() {
				st := s.Expire(d)
				if st.Onset >= 0 && rng.IntN(2) == 0 {
					s.StimulusOn(d + time.Duration(rng.IntN(50))*ms)
				}
				check("expiry")
			}
			in := hardware.Magazine
			if rng.IntN(3) > 0 {
				in = hardware.Hole(1 + rng.IntN(p.Holes))
			}
			s.Input(hardware.Event{Input: in, Entry: !broken[in], At: tm})
			broken[in] = !broken[in]
			check("input")
			if k == 100 {
				snap, snapSum = s.Tally(), s.Summary()
			}
		}
		s.Stop(tm, EndStopped)
		check("stop")
		if !snap.Summary().Equal(snapSum) {
			t.Fatalf("session %d: a tally snapshot changed as the session ran on", i)
		}
	}
}

// TestSummaryEqualSeesEveryMeasure: Equal compares every field of Measures.
func TestSummaryEqualSeesEveryMeasure(t *testing.T) {
	var m Measures
	if n := reflect.TypeOf(m).NumField(); n != len(m.list()) {
		t.Fatalf("Measures has %d fields, Equal compares %d", n, len(m.list()))
	}
	one, two := 1.0, 2.0
	for i := range len(m.list()) {
		a, b := Summary{}, Summary{}
		reflect.ValueOf(&a.Measures).Elem().Field(i).Set(reflect.ValueOf(&one))
		if a.Equal(b) {
			t.Errorf("field %d: defined and undefined compare equal", i)
		}
		reflect.ValueOf(&b.Measures).Elem().Field(i).Set(reflect.ValueOf(&two))
		if a.Equal(b) {
			t.Errorf("field %d: 1 and 2 compare equal", i)
		}
	}
}
