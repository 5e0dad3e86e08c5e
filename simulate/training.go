package simulate

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/training"
)

// Training trains a cohort of naive virtual rats (rat.Learner) through a
// programme, one session a day, with the programme's own decisions
// (training.Programme.Decide) after every session: the rehearsal of a
// training schedule before it is used.
type Training struct {
	Programme training.Programme
	Subjects  int
	Phenotype string
	Seed      uint64
	Cap       int // sessions after which a rat that has not finished is given up (a lab's rule)
}

// RatTraining is one rat's course.
type RatTraining struct {
	PerStage []int // sessions at each stage (the last unfinished if not Done)
	Done     bool  // met the last stage's criteria
	Changes  []training.Decision
}

// Run trains every rat; the same seed gives the same courses.
func (t Training) Run(ctx context.Context) ([]RatTraining, error) {
	if err := t.Programme.Check(); err != nil {
		return nil, err
	}
	if t.Subjects < 1 || t.Subjects > 1000 {
		return nil, fmt.Errorf("subjects: %d: want 1 to 1000", t.Subjects)
	}
	if err := rat.CheckPhenotype(t.Phenotype); err != nil {
		return nil, fmt.Errorf("phenotype: %w", err)
	}
	if t.Cap <= 0 {
		t.Cap = 100
	}
	cohort := rat.NaiveCohort(t.Subjects, t.Phenotype, t.Seed)
	out := make([]RatTraining, t.Subjects)
	errs := make([]error, t.Subjects)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i], errs[i] = t.train(&cohort[i], t.Seed*7919+uint64(i))
			}
		}()
	}
	for i := 0; i < t.Subjects && ctx.Err() == nil; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return out, err
	}
	return out, ctx.Err()
}

// train runs one rat, a session a day, until it finishes or the cap.
func (t Training) train(l *rat.Learner, seed uint64) (RatTraining, error) {
	prog := t.Programme
	r := RatTraining{PerStage: make([]int, len(prog.Stages))}
	at := 0
	var history []training.Session
	for day := 1; day <= t.Cap; day++ {
		st := prog.Stages[at]
		daySeed := seed*1_000_003 + uint64(day)
		r.PerStage[at]++
		s, err := daySession(st.Protocol, l, fmt.Sprintf("day%d", day), daySeed)
		if err != nil {
			return r, err
		}
		history = append(history, s)
		d := prog.Decide(at, history)
		switch d.Action {
		case training.Advance:
			r.Changes = append(r.Changes, d)
			if at == len(prog.Stages)-1 {
				r.Done = true
				return r, nil
			}
			at, history = at+1, nil
		case training.FallBack:
			r.Changes = append(r.Changes, d)
			at, history = at-1, nil
		}
	}
	return r, nil
}

// daySession runs one session of a stage's parameter set with a learner
// through the real runner, as the programme sees it, and lets the learner
// learn from it.
func daySession(protocol string, l *rat.Learner, id string, seed uint64) (training.Session, error) {
	p, ps, res, err := virtualSession(protocol, l.Traits(), seed)
	if err != nil {
		return training.Session{}, err
	}
	s := training.SessionOf(id, res.EndReason, p, ps.Attempts(), ps.MagazineEntries())
	if s.Magazine != nil {
		l.After(rat.Day{Magazine: true, Pellets: s.Magazine.Pellets})
	} else {
		l.After(rat.DayOf(p, res.Summary.Counters))
	}
	return s, nil
}

// virtualSession runs a parameter set by name with a virtual rat of these
// traits on virtual time.
func virtualSession(protocol string, traits rat.Traits, seed uint64) (protocols.Params, *protocols.Session, controller.Result, error) {
	p, err := protocols.Lookup(protocol)
	if err != nil {
		return p, nil, controller.Result{}, err
	}
	p.Seed = seed
	ps, err := protocols.NewSession(p)
	if err != nil {
		return p, nil, controller.Result{}, err
	}
	ch := sim.NewVirtual(rat.New(traits, p.Holes, seed))
	res, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch})
	return p, ps, res, err
}

// MagazineSession runs one session of the built-in magazine-training set
// (protocols.ModeMagazine: a pellet every 15-45 s, the magazine light on
// until each collection, 30 pellets or 30 minutes) on a virtual chamber
// and returns the pellets collected and their mean collection latency.
func MagazineSession(traits rat.Traits, seed uint64) training.MagazineResult {
	_, ps, _, err := virtualSession(training.Magazine, traits, seed)
	if err != nil {
		return training.MagazineResult{}
	}
	return *training.MagazineOf(ps.Attempts())
}

// SessionsToCriterion is the table a methods section reports: per stage,
// the median, interquartile range and range of sessions spent there by the
// rats that finished, and the total; then how many never did. A negative
// count is a stage the rat never was at (enrolled past it): left out.
func SessionsToCriterion(prog training.Programme, rats []RatTraining, capSessions int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %7s %11s %9s\n", "stage", "median", "IQR", "range")
	var totals []int
	for _, r := range rats {
		if r.Done {
			sum := 0
			for _, v := range r.PerStage {
				sum += max(v, 0)
			}
			totals = append(totals, sum)
		}
	}
	row := func(name string, x []int) {
		if len(x) == 0 {
			fmt.Fprintf(&b, "%-10s %7s\n", name, "-")
			return
		}
		fmt.Fprintf(&b, "%-10s %7.1f %5.1f-%-5.1f %4d-%-4d\n", name, quantile(x, 0.5), quantile(x, 0.25), quantile(x, 0.75), slices.Min(x), slices.Max(x))
	}
	for j, st := range prog.Stages {
		var x []int
		for _, r := range rats {
			if r.Done && r.PerStage[j] >= 0 {
				x = append(x, r.PerStage[j])
			}
		}
		row(st.Name, x)
	}
	row("total", totals)
	if capSessions > 0 {
		fmt.Fprintf(&b, "%d of %d rats reached the end of the programme; %d did not within %d sessions\n", len(totals), len(rats), len(rats)-len(totals), capSessions)
	} else {
		fmt.Fprintf(&b, "%d of %d rats reached a stable baseline; %d are still training\n", len(totals), len(rats), len(rats)-len(totals))
	}
	return b.String()
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
