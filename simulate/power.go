package simulate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/fivechoice/fivechoice/analysis"
	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// Power estimates, before any animal is used, how likely a within-subject
// dose study is to find the drug's effect: for each group size it
// simulates many whole studies of virtual rats (every rat under every
// condition, each session through the real runner on virtual time) and
// analyses each with the report's own statistics (repeated-measures ANOVA
// and each dose against the reference by paired t-tests, Holm-adjusted).
// The power at a size is the fraction of studies whose test comes out
// significant.
type Power struct {
	Conditions []storage.Condition // the first is the reference (vehicle)
	Protocol   string              // preset of the test sessions
	Measure    string              // a key of PowerMeasures
	Subjects   []int               // group sizes to try
	Studies    int                 // simulated studies per size
	Phenotype  string              // mixed, high or low impulsivity
	Alpha      float64             // significance level (0.05)
	Seed       uint64
	Workers    int // 0: GOMAXPROCS
}

// PowerRow is the power at one group size.
type PowerRow struct {
	Subjects int
	Studies  int
	ANOVA    float64   // fraction of studies with the ANOVA's p < Alpha
	VsRef    []float64 // per condition after the reference: Holm-adjusted p < Alpha
	// Undefined counts studies where a test could not be computed (a
	// measure undefined for a rat, or no variance); they count as not
	// significant.
	Undefined int
	Sessions  int
}

// PowerMeasures are the measures a power analysis can take, read from a
// session's summary as the report reads them from the database.
var PowerMeasures = map[string]func(protocols.Summary) (float64, bool){
	"accuracy_pct":            func(s protocols.Summary) (float64, bool) { return ptr(s.Measures.AccuracyPct) },
	"omissions_pct":           func(s protocols.Summary) (float64, bool) { return ptr(s.Measures.OmissionsPct) },
	"correct_pct":             func(s protocols.Summary) (float64, bool) { return ptr(s.Measures.CorrectPct) },
	"premature":               func(s protocols.Summary) (float64, bool) { return float64(s.Counters.Premature), true },
	"perseverative":           func(s protocols.Summary) (float64, bool) { return float64(s.Counters.Perseverative), true },
	"timeout_responses":       func(s protocols.Summary) (float64, bool) { return float64(s.Counters.TimeoutResponses), true },
	"trials_scored":           func(s protocols.Summary) (float64, bool) { return float64(s.Counters.TrialsScored), true },
	"correct_latency_mean_ms": func(s protocols.Summary) (float64, bool) { return ptr(s.Measures.CorrectLatencyMeanMs) },
	"reward_latency_mean_ms":  func(s protocols.Summary) (float64, bool) { return ptr(s.Measures.RewardLatencyMeanMs) },
}

func ptr(v *float64) (float64, bool) {
	if v == nil {
		return math.NaN(), false
	}
	return *v, true
}

// Run simulates the studies, in parallel over Workers, and returns a row
// per group size. The same seed gives the same rows whatever the workers.
func (p Power) Run(ctx context.Context) ([]PowerRow, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	params, _ := protocols.Lookup(p.Protocol)
	workers := p.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var rows []PowerRow
	for _, n := range p.Subjects {
		row := PowerRow{Subjects: n, Studies: p.Studies, VsRef: make([]float64, len(p.Conditions)-1)}
		outcomes := make([]studyOutcome, p.Studies)
		jobs := make(chan int)
		var wg sync.WaitGroup
		var failed error
		var once sync.Once
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range jobs {
					o, err := p.study(params, n, r)
					if err != nil {
						once.Do(func() { failed = err })
					}
					outcomes[r] = o
				}
			}()
		}
		for r := 0; r < p.Studies && ctx.Err() == nil; r++ {
			jobs <- r
		}
		close(jobs)
		wg.Wait()
		if failed != nil {
			return rows, failed
		}
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		for _, o := range outcomes {
			row.Sessions += o.sessions
			if o.undefined {
				row.Undefined++
			}
			if o.anova {
				row.ANOVA++
			}
			for i, sig := range o.vsRef {
				if sig {
					row.VsRef[i]++
				}
			}
		}
		row.ANOVA /= float64(p.Studies)
		for i := range row.VsRef {
			row.VsRef[i] /= float64(p.Studies)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (p Power) check() error {
	var errs []error
	if len(p.Conditions) < 2 {
		errs = append(errs, errors.New("conditions: at least 2 (the reference first)"))
	}
	if _, err := protocols.Lookup(p.Protocol); err != nil {
		errs = append(errs, fmt.Errorf("protocol: %w", err))
	}
	if PowerMeasures[p.Measure] == nil {
		errs = append(errs, fmt.Errorf("measure %q: not one of the report's session measures", p.Measure))
	}
	if len(p.Subjects) == 0 {
		errs = append(errs, errors.New("subjects: no group size"))
	}
	for _, n := range p.Subjects {
		if n < 3 || n > 200 {
			errs = append(errs, fmt.Errorf("subjects: %d: want 3 to 200 rats", n))
		}
	}
	if p.Studies < 10 || p.Studies > 100000 {
		errs = append(errs, fmt.Errorf("studies: %d: want 10 to 100000", p.Studies))
	}
	if !(p.Alpha > 0 && p.Alpha < 1) {
		errs = append(errs, fmt.Errorf("alpha: %v: want between 0 and 1", p.Alpha))
	}
	if err := rat.CheckPhenotype(p.Phenotype); err != nil {
		errs = append(errs, fmt.Errorf("phenotype: %w", err))
	}
	return errors.Join(errs...)
}

// studyOutcome is what one simulated study found.
type studyOutcome struct {
	anova     bool
	vsRef     []bool
	undefined bool
	sessions  int
}

// study simulates replicate r at group size n: a cohort of its own, every
// rat under every condition, then the report's tests.
func (p Power) study(params protocols.Params, n, r int) (studyOutcome, error) {
	seed := p.Seed*1_000_003 + uint64(n)*7919 + uint64(r)
	cohort := rat.Cohort(n, p.Phenotype, seed)
	measure := PowerMeasures[p.Measure]
	data := make([][]float64, n)
	out := studyOutcome{vsRef: make([]bool, len(p.Conditions)-1)}
	for i, traits := range cohort {
		data[i] = make([]float64, len(p.Conditions))
		for j, c := range p.Conditions {
			dosed, err := rat.Dosed(traits, c.Drug, c.DoseMgPerKg)
			if err != nil {
				return out, fmt.Errorf("condition %s: %w", c.ID, err)
			}
			sp := params
			sp.Seed = seed*31 + uint64(i)*101 + uint64(j)
			ps, err := protocols.NewSession(sp)
			if err != nil {
				return out, err
			}
			ch := sim.NewVirtual(rat.New(dosed, sp.Holes, sp.Seed))
			res, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch})
			if err == nil {
				err = res.Err
			}
			if err != nil {
				return out, err
			}
			out.sessions++
			v, ok := measure(res.Summary)
			if !ok {
				out.undefined = true
			}
			data[i][j] = v
		}
	}
	if out.undefined {
		return out, nil
	}
	a, err := analysis.RepeatedMeasures(data)
	if err != nil || math.IsNaN(a.P) {
		out.undefined = true
		return out, nil
	}
	out.anova = a.P < p.Alpha
	names := make([]string, len(p.Conditions))
	for i, c := range p.Conditions {
		names[i] = c.ID
	}
	cmp, err := analysis.CompareToReference(data, names)
	if err != nil {
		out.undefined = true
		return out, nil
	}
	for i, c := range cmp {
		out.vsRef[i] = c.PHolm < p.Alpha // NaN compares false
	}
	return out, nil
}
