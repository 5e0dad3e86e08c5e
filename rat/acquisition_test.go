package rat_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
)

// Published acquisition figures (docs/virtual-rat.md): rats are trained
// for about 30-40 daily sessions (Bari, Dalley & Robbins 2008), typically
// 45-50 (Winstanley lab); so the cohort's median total lies in 30-50.
const (
	minMedianTotal = 30
	maxMedianTotal = 50
)

// TestAcquisition: a naive cohort, trained from magazine training to
// baseline by the local driver through the real runner, takes as long as
// published cohorts do: a median of 30-50 sessions in all, several
// sessions at stage 1 (the rule is learnt there), some rats slow (the
// slowest tenth take at least 1.3 times the median) and a few (at least
// one, at most 15%) that never reach the baseline criterion.
func TestAcquisition(t *testing.T) {
	seeds := []uint64{2027, 5151, 90210}
	if testing.Short() || raceEnabled {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		per, done := acquisition(t, 48, seed)
		tab, totals := table(per, done)
		never := len(done) - len(totals)
		t.Logf("seed %d: sessions to criterion of the %d of %d rats that reached baseline (%d never did in %d sessions):\n%s",
			seed, len(totals), len(done), never, sessionCap, tab)
		med, p90 := quantile(totals, 0.5), quantile(totals, 0.9)
		var stage1 []int
		for i := range per {
			if done[i] {
				stage1 = append(stage1, per[i][1])
			}
		}
		switch {
		case med < minMedianTotal || med > maxMedianTotal:
			t.Errorf("seed %d: median %g sessions to baseline, published %d-%d", seed, med, minMedianTotal, maxMedianTotal)
		case p90 < 1.3*med:
			t.Errorf("seed %d: the slowest tenth take %g sessions, the median %g: no slow rats", seed, p90, med)
		case never < 1 || never > len(done)*15/100:
			t.Errorf("seed %d: %d of %d rats never reached baseline, want a few", seed, never, len(done))
		case quantile(stage1, 0.5) < 3:
			t.Errorf("seed %d: stage 1 takes a median of %g sessions: the rule is learnt at once", seed, quantile(stage1, 0.5))
		}
	}
}

// TestTrainedLearnerIsTheRat: a learner that has learnt everything is
// exactly the trained rat, so a trained virtual rat stays what the
// validation checks.
func TestTrainedLearnerIsTheRat(t *testing.T) {
	for _, trained := range append(rat.Cohort(5, rat.PhenotypeMixed, 3), rat.Default()) {
		l := rat.Learner{Trained: trained, Skills: rat.Skills{Magazine: 1, Mapping: 1, Attention: 1, Waiting: 1}}
		if got := l.Traits(); got != trained {
			t.Errorf("trained learner's traits\n%+v\nwant\n%+v", got, trained)
		}
	}
}

// TestNaiveRat: a naive rat is slow to collect, rarely engages, pokes
// anywhere, watches less and waits less than the rat it becomes.
func TestNaiveRat(t *testing.T) {
	l := rat.Naive(rat.Default(), 1)
	n, d := l.Traits(), rat.Default()
	if !(n.CollectTime > 10*d.CollectTime && n.Motivation < 0.5 && n.LocationError > 0.6 && n.Attention < 0.6 && n.Impulsivity > 5*d.Impulsivity) {
		t.Errorf("naive rat %+v", n)
	}
}

// TestLearning: what a day teaches. Magazine training teaches only
// magazine approach; rewarded trials teach the rule; brief stimuli teach
// attention, long ones barely; a day without reward teaches the rule
// nothing; a skill never passes its ceiling.
func TestLearning(t *testing.T) {
	base := rat.Naive(rat.Default(), 9)
	base.Rates.AttentionCeiling = 0.5
	after := func(d rat.Day, days int) rat.Skills {
		l := base
		l.Skills.Magazine = 1
		for range days {
			l.After(d)
		}
		return l.Skills
	}
	mag := base
	mag.After(rat.Day{Magazine: true, Pellets: 30})
	long := after(rat.Day{SD: 30 * time.Second, ITI: 2 * time.Second, Correct: 80}, 1)
	brief := after(rat.Day{SD: time.Second, ITI: 5 * time.Second, Correct: 80}, 1)
	none := after(rat.Day{SD: time.Second, ITI: 5 * time.Second, Omissions: 100}, 1)
	many := after(rat.Day{SD: time.Second, ITI: 5 * time.Second, Correct: 100}, 200)
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"magazine training teaches magazine approach", mag.Skills.Magazine > 0.9 && mag.Skills.Mapping == 0},
		{"rewards teach the rule", long.Mapping > 0.5},
		{"brief lights teach attention more than long ones", brief.Attention > 5*long.Attention && long.Attention > 0},
		{"no reward, no rule", none.Mapping == 0 && none.Attention == 0},
		{"attention stops at its ceiling", many.Attention <= 0.5 && many.Attention > 0.49},
	} {
		if !c.ok {
			t.Errorf("%s: %+v %+v %+v %+v", c.name, mag.Skills, long, brief, many)
		}
	}
}

// TestLearnerIsAValue: the same seed gives the same learners, a learner
// survives a JSON round trip (a programme stores it between days), and
// a naive cohort becomes Cohort's rats.
func TestLearnerIsAValue(t *testing.T) {
	a, b := rat.NaiveCohort(20, rat.PhenotypeHigh, 5), rat.NaiveCohort(20, rat.PhenotypeHigh, 5)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave two cohorts")
	}
	trained := rat.Cohort(20, rat.PhenotypeHigh, 5)
	for i := range a {
		if a[i].Trained != trained[i] {
			t.Fatalf("rat %d: trained traits differ from Cohort's", i)
		}
	}
	rates := map[float64]bool{}
	for _, l := range a {
		rates[l.Rates.Mapping] = true
	}
	if len(rates) < 20 {
		t.Error("rats share learning rates")
	}
	l := a[0]
	l.After(rat.DayOf(preset(t, "stage3"), protocols.Counters{Correct: 60, Incorrect: 10, Premature: 20}))
	js, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var back rat.Learner
	if err := json.Unmarshal(js, &back); err != nil || !reflect.DeepEqual(back, l) || back.Traits() != l.Traits() {
		t.Errorf("JSON round trip: %v\n%+v\n%+v", err, back, l)
	}
}

// TestDayOf: a session's day uses its mean ITI and counts the free pellet.
func TestDayOf(t *testing.T) {
	p := preset(t, "variable_iti")
	d := rat.DayOf(p, protocols.Counters{Correct: 40, Premature: 3})
	if d.ITI != 10*time.Second || d.SD != 500*time.Millisecond || d.Pellets != 41 || d.Premature != 3 {
		t.Errorf("DayOf = %+v", d)
	}
}

// TestAcquisitionIsSeeded: the whole acquisition is a function of the seed.
func TestAcquisitionIsSeeded(t *testing.T) {
	a, _ := acquisition(t, 4, 77)
	b, _ := acquisition(t, 4, 77)
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Fatalf("rat %d: %v then %v", i, a[i], b[i])
		}
	}
}
