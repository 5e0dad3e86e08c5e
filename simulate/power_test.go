package simulate

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/storage"
)

var (
	vehicle = storage.Condition{ID: "vehicle", Drug: "vehicle"}
	saline  = storage.Condition{ID: "saline", Drug: "vehicle"} // a second vehicle: no effect
	atx1    = storage.Condition{ID: "atx-1.0", Drug: "atomoxetine", DoseMgPerKg: 1}
)

// TestPowerSameSeedSameAnswer: the rows depend on the seed only, not on
// how many workers ran the studies.
func TestPowerSameSeedSameAnswer(t *testing.T) {
	p := Power{Conditions: []storage.Condition{vehicle, atx1}, Protocol: "long_iti", Measure: "premature",
		Subjects: []int{4, 8}, Studies: 20, Phenotype: "mixed", Alpha: 0.05, Seed: 9}
	p.Workers = 1
	one, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p.Workers = 3
	three, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one, three) {
		t.Errorf("1 worker %+v, 3 workers %+v", one, three)
	}
	if one[1].VsRef[0] < one[0].VsRef[0] || one[1].Sessions != 20*8*2 {
		t.Errorf("power fell with more rats, or sessions miscounted: %+v", one)
	}
}

// TestPowerWithoutEffectIsAlpha: two conditions with no effect between
// them are found different in about alpha of the studies (the test's type
// I error), not more: a power analysis that found effects where the model
// has none would talk labs into too few animals.
func TestPowerWithoutEffectIsAlpha(t *testing.T) {
	p := Power{Conditions: []storage.Condition{vehicle, saline}, Protocol: "baseline", Measure: "accuracy_pct",
		Subjects: []int{10}, Studies: 300, Phenotype: "mixed", Alpha: 0.05, Seed: 4}
	rows, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Binomial(300, 0.05): mean 15, sd 3.8; 0.10 is 4 sd above.
	if r := rows[0]; r.ANOVA > 0.10 || r.VsRef[0] > 0.10 {
		t.Errorf("no effect, yet significant in %.0f%% (ANOVA) and %.0f%% (t) of studies", 100*r.ANOVA, 100*r.VsRef[0])
	}
}

func TestPowerRefusals(t *testing.T) {
	good := Power{Conditions: []storage.Condition{vehicle, atx1}, Protocol: "long_iti", Measure: "premature",
		Subjects: []int{6}, Studies: 100, Phenotype: "mixed", Alpha: 0.05}
	for _, tc := range []struct {
		want string
		edit func(*Power)
	}{
		{"conditions", func(p *Power) { p.Conditions = p.Conditions[:1] }},
		{"protocol", func(p *Power) { p.Protocol = "long-iti" }},
		{"measure \"prematures\"", func(p *Power) { p.Measure = "prematures" }},
		{"subjects: 2", func(p *Power) { p.Subjects = []int{2} }},
		{"studies: 5", func(p *Power) { p.Studies = 5 }},
		{"alpha", func(p *Power) { p.Alpha = 1.5 }},
		{"phenotype", func(p *Power) { p.Phenotype = "medium" }},
	} {
		p := good
		tc.edit(&p)
		if _, err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.want, err)
		}
	}
}

func TestParseSizes(t *testing.T) {
	for _, tc := range []struct {
		s    string
		step int
		want []int
	}{
		{"6..24", 0, []int{6, 9, 12, 15, 18, 21, 24}},
		{"6..24", 4, []int{6, 10, 14, 18, 22, 24}},
		{"8..8", 0, []int{8}},
		{"6,8,12", 0, []int{6, 8, 12}},
		{"24..6", 0, nil},
		{"6,6", 0, nil},
		{"six", 0, nil},
	} {
		got, err := ParseSizes(tc.s, tc.step)
		if (err != nil) != (tc.want == nil) || !reflect.DeepEqual(got, tc.want) && tc.want != nil {
			t.Errorf("%q step %d: %v %v, want %v", tc.s, tc.step, got, err, tc.want)
		}
	}
}

// TestSentenceNamesTheSmallestSizeHonestly: the licence sentence names the
// first size reaching the target, says so when that is already the
// smallest size simulated (fewer rats may do), and says when no size did.
func TestSentenceNamesTheSmallestSizeHonestly(t *testing.T) {
	p := Power{Conditions: []storage.Condition{vehicle, atx1}, Protocol: "long_iti", Measure: "premature",
		Studies: 100, Phenotype: "mixed", Alpha: 0.05, Seed: 1}
	for _, c := range []struct {
		name string
		rows []PowerRow
		want []string
	}{
		{"reached inside the range", []PowerRow{{Subjects: 6, ANOVA: 0.5, VsRef: []float64{0.4}}, {Subjects: 12, ANOVA: 0.85, VsRef: []float64{0.81}}},
			[]string{"12 rats give at least 80% power for the ANOVA", "atx-1.0: 12 rats."}},
		{"reached at the smallest size", []PowerRow{{Subjects: 6, ANOVA: 0.9, VsRef: []float64{0.5}}, {Subjects: 12, ANOVA: 1, VsRef: []float64{0.7}}},
			[]string{"6 rats (the smallest size simulated; fewer may suffice) give", "atx-1.0: more than 12 rats (not reached"}},
	} {
		got := Sentence(p, c.rows, 0.8)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.name, got, w)
			}
		}
	}
}
