package rat_test

import (
	"math"
	"testing"

	"github.com/fivechoice/fivechoice/rat"
)

func TestEmax(t *testing.T) {
	e := rat.Emax{Max: -0.8, ED50: 0.5, Hill: 1.5}
	tests := []struct {
		dose, want float64
	}{{0, 0}, {-1, 0}, {0.5, -0.4}, {1e9, -0.8}}
	for _, tt := range tests {
		if got := e.At(tt.dose); math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("At(%g) = %g, want %g", tt.dose, got, tt.want)
		}
	}
	for d := 0.01; d < 10; d *= 1.5 {
		if e.At(d*1.5) >= e.At(d) {
			t.Errorf("not monotone at %g mg/kg", d)
		}
	}
}

// TestVehicleChangesNothing: vehicle, no drug and dose 0 leave the rat as
// it is, bit for bit, so vehicle sessions are baseline sessions.
func TestVehicleChangesNothing(t *testing.T) {
	for _, rp := range rat.Cohort(20, rat.PhenotypeMixed, 4) {
		for _, c := range []struct {
			drug string
			dose float64
		}{{"vehicle", 0}, {"none", 0}, {"", 0}, {"saline", 0}, {"Vehicle", 1}, {"atomoxetine", 0}, {"mph", 0}} {
			got, err := rat.Dosed(rp, c.drug, c.dose)
			if err != nil || got != rp {
				t.Errorf("Dosed(%q, %g) = %+v, %v; want the rat unchanged", c.drug, c.dose, got, err)
			}
		}
	}
}

func TestDosedRefuses(t *testing.T) {
	tests := []struct {
		drug string
		dose float64
	}{{"caffeine", 1}, {"blinded", 1}, {"atomoxetine", -1}, {"atx", math.NaN()}}
	for _, tt := range tests {
		if _, err := rat.Dosed(rat.Default(), tt.drug, tt.dose); err == nil {
			t.Errorf("Dosed(%q, %g) accepted", tt.drug, tt.dose)
		}
	}
}

// TestDoseDirections: the traits move as pharmacology.md says, and more
// with dose.
func TestDoseDirections(t *testing.T) {
	def := rat.Default()
	dose := func(drug string, d float64) rat.Traits {
		p, err := rat.Dosed(def, drug, d)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"atx lowers impulsivity from 0.3 mg/kg", dose("atx", 0.3).Impulsivity < 0.85*def.Impulsivity},
		{"atx 1 lowers impulsivity more", dose("atx", 1).Impulsivity < dose("atx", 0.3).Impulsivity},
		{"atx lowers perseveration", dose("atomoxetine", 1).Perseveration < def.Perseveration},
		{"atx 1 barely slows", dose("atx", 1).Speed > 0.98*def.Speed},
		{"atx 3 slows", dose("atx", 3).Speed < 0.95*def.Speed},
		{"atx 1 barely disengages", dose("atx", 1).Motivation > def.Motivation-0.005},
		{"atx 3 disengages", dose("atx", 3).Motivation < def.Motivation-0.01},
		{"mph raises impulsivity", dose("methylphenidate", 1).Impulsivity > 1.3*def.Impulsivity},
	}
	for _, tt := range tests {
		if !tt.ok {
			t.Error(tt.name)
		}
	}
}

// TestRateDependence: atomoxetine lowers impulsivity by a larger fraction
// in a high-impulsive rat.
func TestRateDependence(t *testing.T) {
	lo, hi := rat.Default(), rat.Default()
	lo.Impulsivity, hi.Impulsivity = 0.02, 0.08
	dl, _ := rat.Dosed(lo, "atx", 1)
	dh, _ := rat.Dosed(hi, "atx", 1)
	if dh.Impulsivity/hi.Impulsivity >= dl.Impulsivity/lo.Impulsivity {
		t.Errorf("fraction left: high %.2f, low %.2f", dh.Impulsivity/hi.Impulsivity, dl.Impulsivity/lo.Impulsivity)
	}
}
