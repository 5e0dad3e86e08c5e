package validate

import (
	"context"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
)

// A mutant is a deliberately wrong virtual rat, and the check that must
// reject it.
type mutant struct {
	model    Model
	rejectBy string
}

// drugVariant is package rat's model with one drug's curves changed.
func drugVariant(name, drug string, edit func(*rat.Drug)) Model {
	return Model{Name: name, Dosed: func(p rat.Traits, n string, dose float64) (rat.Traits, error) {
		d, ok, err := rat.LookupDrug(n)
		if err != nil || !ok || d.Name != drug {
			return rat.Dosed(p, n, dose)
		}
		edit(&d)
		return d.Apply(p, dose), nil
	}}
}

// subjectVariant is package rat's model with a rat's traits changed for a
// session, knowing its parameters.
func subjectVariant(name string, edit func(*rat.Traits, protocols.Params)) Model {
	return Model{Name: name, Subject: func(p rat.Traits, params protocols.Params, seed uint64) sim.Subject {
		edit(&p, params)
		return rat.New(p, params.Holes, seed)
	}}
}

// mutants are the wrong models the validation must reject: the three the
// project was shown to accept (reversed rate dependence, a halved drug, an
// effect saturated at 0.1 mg/kg) and more that each break one published
// finding.
func mutants() []mutant {
	halve := func(e *rat.Emax) { e.Max /= 2 }
	return []mutant{
		{drugVariant("reversed rate dependence", "atomoxetine", func(d *rat.Drug) { d.RateDependence = -d.RateDependence }),
			"ATX 1 mg/kg: relative fall in premature, high vs low impulsive"},
		{drugVariant("atomoxetine at half strength", "atomoxetine", func(d *rat.Drug) {
			for _, e := range []*rat.Emax{&d.Impulsivity, &d.Perseveration, &d.Lapses, &d.Disengagement, &d.Speed} {
				halve(e)
			}
		}), "ATX 1 mg/kg: premature"},
		{drugVariant("effect saturated at 0.1 mg/kg", "atomoxetine", func(d *rat.Drug) { d.Impulsivity.ED50, d.Impulsivity.Hill = 0.02, 2 }),
			"ATX 0.1 mg/kg: premature (no effect)"},
		{drugVariant("atomoxetine raises premature", "atomoxetine", func(d *rat.Drug) { d.Impulsivity.Max = -d.Impulsivity.Max }),
			"ATX 1 mg/kg: premature"},
		{sharperAccuracy(), "ATX 1 mg/kg: accuracy %"},
		{drugVariant("omissions up at 0.3 mg/kg", "atomoxetine", func(d *rat.Drug) { d.Disengagement = rat.Emax{Max: 4, ED50: 0.5, Hill: 2} }),
			"ATX 0.3 mg/kg: omissions %"},
		{drugVariant("no side effects at 3 mg/kg", "atomoxetine", func(d *rat.Drug) { d.Disengagement, d.Speed = rat.Emax{}, rat.Emax{} }),
			"ATX 3 mg/kg: omissions %"},
		{drugVariant("perseveration untouched", "atomoxetine", func(d *rat.Drug) { d.Perseveration = rat.Emax{} }),
			"ATX 1 mg/kg: perseverative"},
		{drugVariant("stimulant lowers premature", "methylphenidate", func(d *rat.Drug) { d.Impulsivity.Max = -0.6 }),
			"methylphenidate 1 mg/kg: premature"},
		{subjectVariant("long ITI leaves premature alone", func(p *rat.Traits, params protocols.Params) {
			// The waiting hazard's integral over the ITI held at its 5 s value.
			iti := time.Duration(meanITI(params)).Seconds()
			p.Impulsivity *= 25 / (iti * iti)
		}), "long ITI (7 s): premature"},
		{subjectVariant("short SD leaves accuracy alone", func(p *rat.Traits, params protocols.Params) {
			if time.Duration(params.StimulusDuration) < 500*time.Millisecond {
				p.GlimpseError, p.Attention = 0, 0.999
			}
		}), "short SD (0.25 s): accuracy %"},
		{subjectVariant("no accuracy fall at a long ITI", func(p *rat.Traits, _ protocols.Params) { p.Waning = 0 }),
			"long ITI (7 s): accuracy %"},
		{Model{Name: "no between-rat variation (every rat the median rat)", Cohort: func(n int, _ string, _ uint64) []rat.Traits {
			c := make([]rat.Traits, n)
			for i := range c {
				c[i] = rat.Default()
			}
			return c
		}}, "baseline: premature, test-retest"},
		{drugVariant("no rate dependence", "atomoxetine", func(d *rat.Drug) { d.RateDependence = 0 }),
			"ATX 1 mg/kg: relative fall in premature, high vs low impulsive"},
		{drugVariant("atomoxetine's curve shifted right (ED50 x4)", "atomoxetine", func(d *rat.Drug) { d.Impulsivity.ED50 *= 4 }),
			"ATX 1 mg/kg: premature"},
	}
}

// sharperAccuracy is atomoxetine that also halves wrong-hole pokes at
// 1 mg/kg: a large gain in accuracy at baseline, which no study found.
func sharperAccuracy() Model {
	return Model{Name: "atomoxetine sharpens accuracy", Dosed: func(p rat.Traits, drug string, dose float64) (rat.Traits, error) {
		q, err := rat.Dosed(p, drug, dose)
		if d, ok, _ := rat.LookupDrug(drug); ok && d.Name == "atomoxetine" {
			q.LocationError *= 1 - dose/(dose+1)
		}
		return q, err
	}}
}

func meanITI(p protocols.Params) protocols.Duration {
	if len(p.ITIChoices) == 0 {
		return p.ITI
	}
	var sum protocols.Duration
	for _, d := range p.ITIChoices {
		sum += d
	}
	return sum / protocols.Duration(len(p.ITIChoices))
}

var mutationSeeds = flag.Int("mutation.seeds", 0, "measure each mutant's rejection over this many seeds and print it (slow)")

// TestMutants: the validation rejects every deliberately wrong model, each
// by the check that guards the finding it breaks.
func TestMutants(t *testing.T) {
	rats := mutantRats()
	for _, m := range mutants() {
		t.Run(m.model.Name, func(t *testing.T) {
			rep, err := Run(context.Background(), Options{Seed: 2027, Rats: rats, Model: m.model})
			if err != nil {
				t.Fatal(err)
			}
			failed := failedChecks(rep)
			if !contains(rep.Checks, m.rejectBy) {
				t.Fatalf("no check named %q", m.rejectBy)
			}
			if !contains(failed, m.rejectBy) {
				var b strings.Builder
				rep.Write(&b)
				t.Errorf("mutant not rejected by %q:\n%s", m.rejectBy, b.String())
			}
			t.Logf("rejected by %d checks: %s", len(failed), names(failed))
		})
	}
}

func mutantRats() int {
	if raceEnabled || testing.Short() {
		return 64
	}
	return DefaultRats
}

func failedChecks(rep Report) []Check {
	var f []Check
	for _, c := range rep.Checks {
		if !c.Pass {
			f = append(f, c)
		}
	}
	return f
}

func contains(cs []Check, name string) bool {
	for _, c := range cs {
		if c.Name == name {
			return true
		}
	}
	return false
}

func names(cs []Check) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.Name)
	}
	return strings.Join(s, "; ")
}

var (
	mutationRats  = flag.Int("mutation.rats", DefaultRats, "rats per cohort for -mutation.seeds")
	mutationModel = flag.String("mutation.model", "", "with -mutation.seeds, only the models whose name contains this")
)

// TestMutationPower measures, with -mutation.seeds N, how often the true
// model passes and each mutant is rejected (by its own check, and by any)
// over seeds 1..N. It prints the figures docs/virtual-rat.md quotes; it
// judges nothing, so it is skipped unless asked for.
func TestMutationPower(t *testing.T) {
	n := *mutationSeeds
	if n == 0 {
		t.Skip("measures power only with -mutation.seeds N")
	}
	models := append([]mutant{{Model{Name: "rat (true model)"}, ""}}, mutants()...)
	for _, m := range models {
		if !strings.Contains(m.model.Name, *mutationModel) {
			continue
		}
		own, any := 0, 0
		fails := map[string]int{}
		for seed := uint64(1); seed <= uint64(n); seed++ {
			rep, err := Run(context.Background(), Options{Seed: seed, Rats: *mutationRats, Model: m.model})
			if err != nil {
				t.Fatal(err)
			}
			failed := failedChecks(rep)
			if len(failed) > 0 {
				any++
			}
			if contains(failed, m.rejectBy) {
				own++
			}
			for _, c := range failed {
				fails[c.Name]++
			}
		}
		t.Logf("%-34s rejected %3d/%d (by its own check %3d/%d); failing checks: %v", m.model.Name, any, n, own, n, fails)
	}
}
