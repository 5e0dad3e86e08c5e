package rat_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/simulate"
)

// This file is a small local training driver: magazine training, then the
// spec's section-8 stages with their criteria (each on two consecutive
// sessions), every task session through the real runner on a simulated
// chamber in virtual time. The lab's training programme is not this code;
// it only checks that the learner acquires the task as real rats do.

// A stage is a training step and its criterion to advance.
type stage struct {
	name  string
	meets func(protocols.Summary) bool
}

func atLeast(n int) func(protocols.Summary) bool {
	return func(s protocols.Summary) bool { return s.Counters.Correct >= n }
}

func accurate(n int, omissionsBelow float64) func(protocols.Summary) bool {
	return func(s protocols.Summary) bool {
		m := s.Measures
		return s.Counters.Correct >= n && m.AccuracyPct != nil && *m.AccuracyPct > 80 &&
			m.OmissionsPct != nil && *m.OmissionsPct < omissionsBelow
	}
}

// stages are docs/rules.md section 8, after magazine training.
var stages = []stage{
	{"magazine", nil},
	{"stage1", atLeast(30)}, {"stage2", atLeast(30)}, {"stage3", atLeast(50)}, {"stage4", atLeast(50)},
	{"stage5", accurate(50, 101)}, {"stage6", accurate(50, 20)}, {"stage7", accurate(50, 20)},
	{"baseline", accurate(0, 20)},
}

// sessionCap is when a lab gives up on a rat: it has not reached the
// baseline criterion in this many sessions.
const sessionCap = 100

// Magazine training (simulate.MagazineSession, which the training
// programme's simulation uses too): the rat passes with every pellet
// collected at a mean latency under magazineLatency.
const (
	magazinePellets = 30
	magazineLatency = 5 * time.Second
)

// taskSession runs one session of a preset through the real runner.
func taskSession(t *testing.T, traits rat.Traits, name string, seed uint64) (protocols.Params, protocols.Summary) {
	t.Helper()
	p := preset(t, name)
	p.Seed = seed
	res, _ := session(t, traits, p, nil)
	return p, res.Summary
}

// train runs a learner from naive until it meets the baseline criterion or
// the session cap, and returns the sessions it spent at each stage (the
// last one unfinished if it never got there).
func train(t *testing.T, l *rat.Learner, seed uint64) (perStage []int, reached bool) {
	t.Helper()
	perStage = make([]int, len(stages))
	at, streak := 0, 0
	for day := 1; day <= sessionCap; day++ {
		daySeed := seed*1000003 + uint64(day)
		perStage[at]++
		pass := false
		if at == 0 {
			m := simulate.MagazineSession(l.Traits(), daySeed)
			n, lat := m.Pellets, m.LatencyMean
			l.After(rat.Day{Magazine: true, Pellets: n})
			pass, streak = n == magazinePellets && lat < magazineLatency, 1
		} else {
			p, s := taskSession(t, l.Traits(), stages[at].name, daySeed)
			l.After(rat.DayOf(p, s.Counters))
			if pass = stages[at].meets(s); pass {
				streak++
			} else {
				streak = 0
			}
		}
		if pass && (at == 0 || streak == 2) {
			if at == len(stages)-1 {
				return perStage, true
			}
			at, streak = at+1, 0
		}
	}
	return perStage, false
}

// acquisition trains a naive cohort and returns each rat's sessions per
// stage and whether it reached baseline.
func acquisition(t *testing.T, n int, seed uint64) ([][]int, []bool) {
	cohort := rat.NaiveCohort(n, rat.PhenotypeMixed, seed)
	per, done := make([][]int, n), make([]bool, n)
	for i := range cohort {
		per[i], done[i] = train(t, &cohort[i], seed*7919+uint64(i))
	}
	return per, done
}

func quantile(x []int, q float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo+1 >= len(s) {
		return float64(s[lo])
	}
	return float64(s[lo]) + (pos-float64(lo))*float64(s[lo+1]-s[lo])
}

// table formats sessions to criterion per stage (rats that reached
// baseline) and the total, as a methods section reports them.
func table(per [][]int, done []bool) (string, []int) {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s %7s %9s %7s\n", "stage", "median", "IQR", "range")
	var totals []int
	for j := range stages {
		var x []int
		for i := range per {
			if done[i] {
				x = append(x, per[i][j])
			}
		}
		fmt.Fprintf(&b, "%-9s %7.1f %4.1f-%-4.1f %3d-%-3d\n", stages[j].name, quantile(x, 0.5), quantile(x, 0.25), quantile(x, 0.75), slices.Min(x), slices.Max(x))
	}
	for i := range per {
		if done[i] {
			sum := 0
			for _, v := range per[i] {
				sum += v
			}
			totals = append(totals, sum)
		}
	}
	fmt.Fprintf(&b, "%-9s %7.1f %4.1f-%-4.1f %3d-%-3d\n", "total", quantile(totals, 0.5), quantile(totals, 0.25), quantile(totals, 0.75), slices.Min(totals), slices.Max(totals))
	return b.String(), totals
}
