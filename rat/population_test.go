package rat_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/fivechoice/fivechoice/rat"
)

func TestCohortIsSeeded(t *testing.T) {
	a, b := rat.Cohort(16, rat.PhenotypeMixed, 9), rat.Cohort(16, "", 9)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave two cohorts")
	}
	if reflect.DeepEqual(a, rat.Cohort(16, rat.PhenotypeMixed, 10)) {
		t.Error("two seeds gave the same cohort")
	}
	if a[0] == a[1] {
		t.Error("no individual differences")
	}
}

func meanLogImpulsivity(rs []rat.Traits) float64 {
	var s float64
	for _, r := range rs {
		s += math.Log(r.Impulsivity / rat.Default().Impulsivity)
	}
	return s / float64(len(rs))
}

// TestPhenotypes: high- and low-impulsive rats come from the ends of the
// population's impulsivity; other traits stay plausible.
func TestPhenotypes(t *testing.T) {
	tests := []struct {
		phenotype string
		lo, hi    float64 // bounds of the mean log-ratio to the default rat
	}{
		{rat.PhenotypeMixed, -0.15, 0.15},
		{rat.PhenotypeHigh, 0.55, 0.85}, // E[z | z > 0.84] = 1.40, σ 0.5
		{rat.PhenotypeLow, -0.85, -0.55},
	}
	for _, tt := range tests {
		rs := rat.Cohort(400, tt.phenotype, 1)
		if m := meanLogImpulsivity(rs); m < tt.lo || m > tt.hi {
			t.Errorf("%s: mean log impulsivity ratio %.2f, want %g to %g", tt.phenotype, m, tt.lo, tt.hi)
		}
		for i, r := range rs {
			if r.Attention <= 0 || r.Attention >= 1 || r.Motivation <= 0 || r.Motivation >= 1 || r.Speed <= 0 || r.Perseveration < 0 {
				t.Fatalf("%s rat %d: %+v", tt.phenotype, i, r)
			}
		}
	}
}

func TestUnknownPhenotype(t *testing.T) {
	if err := rat.CheckPhenotype("medium"); err == nil {
		t.Error("CheckPhenotype accepted medium")
	}
	defer func() {
		if recover() == nil {
			t.Error("Cohort accepted an unknown phenotype")
		}
	}()
	rat.Cohort(2, "medium", 1)
}
