package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// randomParams draws a parameter set from the whole space of section 2.
func randomParams(rng *rand.Rand) protocols.Params {
	p := protocols.Default()
	d := func(lo, hi int) protocols.Duration {
		return protocols.Duration(time.Duration(lo+rng.IntN(hi-lo+1)) * 100 * time.Millisecond)
	}
	p.Holes = 3 + rng.IntN(7)
	p.StimulusDuration = d(1, 30)
	p.ITI = d(1, 60)
	p.LimitedHold = d(1, 30)
	p.Timeout = d(1, 50)
	p.LimitedHoldFrom = []string{protocols.FromStimulusOffset, protocols.FromStimulusOnset}[rng.IntN(2)]
	p.TimeoutHouseLight = []string{protocols.HouseLightOff, protocols.HouseLightOn}[rng.IntN(2)]
	p.TimeoutRestartsOnResponse = rng.IntN(2) == 0
	p.PrematurePunished = rng.IntN(2) == 0
	p.Initiation = []string{protocols.InitiationMagazine, protocols.InitiationAuto}[rng.IntN(2)]
	p.FreePelletAtStart = rng.IntN(2) == 0
	p.MaxTrials = 1 + rng.IntN(40)
	p.MaxDuration = d(10, 3000)
	p.AtTimeLimit = []string{protocols.AtLimitStop, protocols.AtLimitFinishTrial}[rng.IntN(2)]
	p.LocationSchedule = []string{protocols.ScheduleBalanced, protocols.ScheduleUniform}[rng.IntN(2)]
	if rng.IntN(3) == 0 {
		p.ITIChoices = []protocols.Duration{d(1, 30), d(1, 30), d(31, 90)}
	}
	if rng.IntN(3) == 0 {
		p.StimulusDurations = []protocols.Duration{d(1, 5), d(6, 20)}
	}
	p.Seed = rng.Uint64() >> 1
	return p
}

// randomScript is a subject doing random things at random times, with
// physically valid beams (an entry only on a restored beam).
func randomScript(rng *rand.Rand, holes int, span time.Duration) sim.Script {
	var s sim.Script
	var broken [hardware.Magazine + 1]bool
	t := time.Duration(0)
	for t < span {
		t += time.Duration(rng.IntN(3000)) * time.Millisecond
		if rng.IntN(20) == 0 {
			t += time.Duration(rng.IntN(30)) * time.Second // a pause: omissions
		}
		in := hardware.Magazine
		if rng.IntN(2) == 0 {
			in = hardware.Hole(1 + rng.IntN(holes))
		}
		s = append(s, sim.Step{At: t, Input: in, Entry: !broken[in]})
		broken[in] = !broken[in]
	}
	return s
}

// TestProperties runs the real runner and protocol on random parameters and
// random subjects and checks what must hold for any session.
func TestProperties(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 50
	}
	for seed := 0; seed < seeds; seed++ {
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		p := randomParams(rng)
		span := time.Duration(p.MaxDuration) + 2*time.Minute
		script := randomScript(rng, p.Holes, span)
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkProperties(t, p, script, span) })
	}
}

func checkProperties(t *testing.T, p protocols.Params, script sim.Script, horizon time.Duration) {
	ps, err := protocols.NewSession(p)
	if err != nil {
		t.Fatal(err)
	}
	ch := sim.NewVirtual(script, sim.WithHorizon(horizon))
	rec := &controller.Memory{}
	var violations []string
	progress := func(s *protocols.Session) { violations = append(violations, stepViolations(s, ch)...) }
	res, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch, Recorder: rec, Progress: progress})
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	for _, v := range violations {
		t.Error(v)
	}
	if !res.Ended {
		t.Fatalf("a session of at most %v did not end by %v", time.Duration(p.MaxDuration), horizon)
	}
	recorded := rec.Attempts()
	for _, a := range ps.Attempts() {
		if r, ok := recorded[a.N]; !ok || r != a {
			t.Errorf("attempt %d recorded as %+v, ended as %+v", a.N, r, a)
		}
	}
	checkCounters(t, p, ps.Attempts(), res.Summary.Counters, rec.Events())
	checkEnd(t, p, res, rec.Events())
	for o := hardware.Output(1); o <= hardware.Pellet; o++ {
		if o.Valid() && ch.Lit(o) {
			t.Errorf("%v still on after the end", o)
		}
	}
}

// stepViolations is what is wrong after a step: a live summary that is not
// Score of the attempts to the bit (it is kept incrementally), or a
// stimulus lit in the ITI or the time-out.
func stepViolations(s *protocols.Session, ch *sim.Chamber) []string {
	var v []string
	if live, want := s.Summary(), protocols.Score(s.Attempts(), s.MagazineEntries()); !live.Equal(want) {
		l, _ := json.Marshal(live)
		w, _ := json.Marshal(want)
		v = append(v, fmt.Sprintf("at %v: live summary %s, Score %s", s.Now(), l, w))
	}
	st := s.State()
	if st != protocols.StateITI && st != protocols.StateTimeout {
		return v
	}
	for h := 1; h <= s.Params().Holes; h++ {
		if ch.Lit(hardware.Stimulus(h)) {
			v = append(v, fmt.Sprintf("stimulus %d lit in %v at %v", h, st, s.Now()))
		}
	}
	return v
}

// checkCounters checks that the counters are the sums over the trial rows
// and the event log, and that every attempt's outcome is one it can have.
func checkCounters(t *testing.T, p protocols.Params, as []protocols.Attempt, c protocols.Counters, events []storage.Event) {
	t.Helper()
	var sum protocols.Counters
	for _, a := range as {
		switch a.Outcome {
		case protocols.Correct:
			sum.Correct++
		case protocols.Incorrect:
			sum.Incorrect++
		case protocols.Omission:
			sum.Omissions++
		case protocols.Premature, protocols.Unfinished:
		default:
			t.Errorf("attempt %d ended with outcome %v", a.N, a.Outcome)
		}
		sum.Premature += a.Premature
		sum.Perseverative += a.Perseverative
		sum.TimeoutResponses += a.TimeoutResponses
		if a.Outcome == protocols.Premature && (!p.PrematurePunished || a.Premature != 1) {
			t.Errorf("attempt %d: premature outcome with %d premature responses (punished %v)", a.N, a.Premature, p.PrematurePunished)
		}
		if a.ITIStart >= time.Duration(p.MaxDuration) {
			t.Errorf("attempt %d began at %v, at or after the limit %v", a.N, a.ITIStart, time.Duration(p.MaxDuration))
		}
	}
	sum.TrialsScored = sum.Correct + sum.Incorrect + sum.Omissions
	sum.Attempts, sum.MagazineEntries = len(as), c.MagazineEntries
	if sum != c {
		t.Errorf("counters %+v\n  are not the sums over the trial rows %+v", c, sum)
	}
	var mag int
	for _, e := range events {
		if e.IsInput() && e.Class.MagazineEntry() {
			mag++
		}
	}
	if mag != c.MagazineEntries {
		t.Errorf("%d magazine entries counted, %d classified in the event log", c.MagazineEntries, mag)
	}
	if c.TrialsScored > p.MaxTrials {
		t.Errorf("%d scored trials, max_trials %d", c.TrialsScored, p.MaxTrials)
	}
}

// checkEnd checks when the session ended, and that nothing after its end
// counted.
func checkEnd(t *testing.T, p protocols.Params, res controller.Result, events []storage.Event) {
	t.Helper()
	limit := time.Duration(p.MaxDuration)
	if p.AtTimeLimit == protocols.AtLimitFinishTrial {
		// The attempt running at the limit may finish: its ITI and window.
		longest := max(time.Duration(p.ITI), maxOf(p.ITIChoices)) + max(time.Duration(p.StimulusDuration), maxOf(p.StimulusDurations)) + time.Duration(p.LimitedHold)
		limit += longest
	}
	if res.At > limit {
		t.Errorf("ended at %v (%s), past %v", res.At, res.EndReason, limit)
	}
	if res.EndReason == protocols.EndTimeLimit && p.AtTimeLimit == protocols.AtLimitStop && res.At != time.Duration(p.MaxDuration) {
		t.Errorf("time limit with stop ended at %v, not at %v", res.At, time.Duration(p.MaxDuration))
	}
	// Nothing after the end counts (R20a). An input can end a session at
	// its own instant (a collection at max_trials, an outcome under
	// finish_trial); a timer that ends it comes before inputs at that
	// instant (R19), so those do not count.
	timerEnded := res.EndReason == protocols.EndTimeLimit && p.AtTimeLimit == protocols.AtLimitStop
	for _, e := range events {
		counted := e.IsInput() && e.Class != protocols.ClassIgnored && e.Class != protocols.ClassRelease
		if counted && (e.At > res.At || (timerEnded && e.At == res.At)) {
			t.Errorf("input at %v counted as %v after the end at %v (%s)", e.At, e.Class, res.At, res.EndReason)
		}
	}
}

func maxOf(ds []protocols.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, time.Duration(d))
	}
	return m
}
