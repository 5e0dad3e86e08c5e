package validate

import (
	"context"
	"fmt"
	"slices"

	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/simulate"
	"github.com/fivechoice/fivechoice/training"
)

// Acquisition: a naive cohort trained through the built-in programme
// (simulate.Training: the same decisions as the lab's daemon, every task
// session through the real runner) must learn the task as real rats do
// (docs/virtual-rat.md, "Calibration: sessions to criterion").
const (
	acquisitionRats = 48
	acquisitionCap  = 100 // sessions after which a lab gives a rat up
	srcAcquisition  = "Bari 2008; Winstanley lab"
)

// acquisitionChecks trains the cohort and judges its sessions to
// criterion; it returns the sessions run too.
func acquisitionChecks(ctx context.Context, seed uint64) ([]Check, int, error) {
	prog := training.Builtin()
	courses, err := simulate.Training{Programme: prog, Subjects: acquisitionRats, Phenotype: rat.PhenotypeMixed,
		Seed: mix(seed, 1<<41), Cap: acquisitionCap}.Run(ctx)
	if err != nil {
		return nil, 0, err
	}
	var totals, magazine, stage1 []float64
	sessions, never := 0, 0
	perStage := make([]float64, len(prog.Stages))
	for _, c := range courses {
		sum := 0
		for i, n := range c.PerStage {
			sum += n
			if c.Done {
				perStage[i] += float64(n)
			}
		}
		sessions += sum
		if !c.Done {
			never++
			continue
		}
		totals = append(totals, float64(sum))
		magazine = append(magazine, float64(c.PerStage[0]))
		stage1 = append(stage1, float64(c.PerStage[1]))
	}
	if len(totals) == 0 {
		return []Check{{Name: "acquisition: rats reaching baseline", Expected: "most of the cohort", Value: "none", Source: srcAcquisition}}, sessions, nil
	}
	// The stage the cohort spends longest at: stage 1 (the rule) or the
	// short stimuli (stages 5-7), never the easy stages 2-4.
	hardest := prog.Stages[slices.Index(perStage, slices.Max(perStage))].Name
	cs := []Check{
		median("acquisition: sessions to a stable baseline (median, magazine training included)", totals, 25, 50),
		median("acquisition: magazine training sessions (median)", magazine, 1, 3),
		median("acquisition: stage 1 sessions, where the rule is learnt (median)", stage1, 3, 15),
		{Name: "acquisition: rats that never reach baseline within 100 sessions", Expected: "a few: at most 15% of the cohort",
			Value: fmt.Sprintf("%d of %d", never, acquisitionRats), Pass: float64(never) <= 0.15*acquisitionRats},
		slow(totals),
		{Name: "acquisition: the stage that takes longest", Expected: "stage 1 or a short stimulus (stage 5, 6 or 7)",
			Value: hardest, Pass: slices.Contains([]string{"stage1", "stage5", "stage6", "stage7"}, hardest)},
	}
	for i := range cs {
		cs[i].Source = srcAcquisition
	}
	return cs, sessions, nil
}

// median: the cohort median lies in [lo, hi].
func median(name string, x []float64, lo, hi float64) Check {
	m, s := middle(x)
	return Check{Name: name, Expected: fmt.Sprintf("median in %g-%g", lo, hi),
		Value: fmt.Sprintf("%g (range %g-%g, n %d)", m, s[0], s[len(s)-1], len(s)), Pass: m >= lo && m <= hi}
}

// slow: some rats are slow, the slowest that finished taking at least
// one and a half times the cohort's median sessions
// (individual differences: some rats are slow).
func slow(totals []float64) Check {
	m, s := middle(totals)
	return Check{Name: "acquisition: slow learners (the slowest rat that reached baseline)", Expected: "at least 1.5 times the median",
		Value: fmt.Sprintf("%g sessions, median %g", s[len(s)-1], m), Pass: s[len(s)-1] >= 1.5*m}
}

// middle is the median of x and x sorted.
func middle(x []float64) (float64, []float64) {
	s := slices.Clone(x)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return m, s
}
