package study

import (
	"slices"
	"testing"
	"time"
)

// TestDesignPlan: every subject gets every condition once, on dated test
// days; a blind plan shows only codes, whose key names the real ones.
func TestDesignPlan(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, blind := range []bool{false, true} {
		d := Design{Name: "S1", Subjects: []string{"R01", "R02", "R03"}, Conditions: []string{"vehicle", "atx-1.0", "atx-3.0"},
			Start: start, Washout: 48 * time.Hour, Seed: 7, Protocol: "baseline", Blind: blind}
		p, err := d.Plan()
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Days) != 9 || p.Days[0].Date != "2026-01-05" || p.Days[1].Day != 2 {
			t.Fatalf("blind %v: days %+v", blind, p.Days)
		}
		shown := map[string]bool{}
		for _, day := range p.Days {
			shown[day.Condition] = true
		}
		for _, c := range d.Conditions {
			if shown[c] == blind {
				t.Errorf("blind %v: condition %s shown %v", blind, c, shown[c])
			}
		}
		if blind && (len(p.Key) != 3 || p.Key[0].Condition != "vehicle" || !slices.IsSorted(p.Study.Conditions)) {
			t.Errorf("blind key %+v, conditions %v", p.Key, p.Study.Conditions)
		}
	}
	if _, err := (Design{Kind: "crossover"}).Plan(); err == nil {
		t.Error("an unknown design was accepted")
	}
}
