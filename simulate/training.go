package simulate

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
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
		s := training.Session{ID: fmt.Sprintf("day%d", day), EndReason: protocols.EndMaxTrials}
		if st.Protocol == training.Magazine {
			m := MagazineSession(l.Traits(), daySeed)
			s.Magazine = &m
			l.After(rat.Day{Magazine: true, Pellets: m.Pellets})
		} else {
			p, err := protocols.Lookup(st.Protocol)
			if err != nil {
				return r, err
			}
			p.Seed = daySeed
			ps, err := protocols.NewSession(p)
			if err != nil {
				return r, err
			}
			ch := sim.NewVirtual(rat.New(l.Traits(), p.Holes, daySeed))
			res, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch})
			if err != nil {
				return r, err
			}
			s.EndReason, s.Summary = res.EndReason, res.Summary
			l.After(rat.DayOf(p, res.Summary.Counters))
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

// Magazine training: pellets on a variable-time schedule (uniform 15-45 s
// from the last collection), the magazine light on until each is
// collected, 30 pellets or 30 minutes (spec section 8).
const (
	magazinePellets = 30
	magazineLength  = 30 * time.Minute
)

// MagazineSession runs one magazine-training session on a virtual
// chamber and returns the pellets collected and their mean collection
// latency.
func MagazineSession(traits rat.Traits, seed uint64) training.MagazineResult {
	ch := sim.NewVirtual(rat.New(traits, 5, seed))
	if _, err := ch.Begin(); err != nil {
		return training.MagazineResult{}
	}
	defer ch.Halt()
	vt := rand.New(rand.NewPCG(seed, 7))
	next := func(from time.Duration) time.Duration { return from + time.Duration(15+vt.IntN(31))*time.Second }
	ch.Set(hardware.HouseLight, true)
	due := next(0)
	var delivered, collected int
	var since, sum time.Duration
	for collected < magazinePellets {
		deadline := magazineLength
		if delivered == collected {
			deadline = min(due, magazineLength)
		}
		ev, ok, err := ch.Next(context.Background(), deadline)
		switch {
		case err != nil || (!ok && deadline == magazineLength):
			return training.MagazineResult{Pellets: collected, LatencyMean: sum / time.Duration(max(collected, 1))}
		case !ok:
			ch.Pulse(hardware.Pellet)
			ch.Set(hardware.MagazineLight, true)
			delivered, since = delivered+1, deadline
		case ev.Input == hardware.Magazine && ev.Entry && delivered > collected:
			ch.Set(hardware.MagazineLight, false)
			collected, sum, due = collected+1, sum+ev.At-since, next(ev.At)
		}
	}
	return training.MagazineResult{Pellets: collected, LatencyMean: sum / time.Duration(collected)}
}

// SessionsToCriterion is the table a methods section reports: per stage,
// the median, interquartile range and range of sessions spent there by the
// rats that finished, and the total; then how many never did.
func SessionsToCriterion(prog training.Programme, rats []RatTraining, capSessions int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %7s %11s %9s\n", "stage", "median", "IQR", "range")
	var totals []int
	for _, r := range rats {
		if r.Done {
			sum := 0
			for _, v := range r.PerStage {
				sum += v
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
			if r.Done {
				x = append(x, r.PerStage[j])
			}
		}
		row(st.Name, x)
	}
	row("total", totals)
	fmt.Fprintf(&b, "%d of %d rats reached the end of the programme; %d did not within %d sessions\n", len(totals), len(rats), len(rats)-len(totals), capSessions)
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
