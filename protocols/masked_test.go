package protocols

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestMaskedHolesAreNeverTargets: with active_holes, R15's draws come
// from the active holes only; under balanced, each block of
// len(active_holes) scored trials is a permutation of them.
func TestMaskedHolesAreNeverTargets(t *testing.T) {
	for _, schedule := range []string{ScheduleBalanced, ScheduleUniform} {
		p := Default()
		p.ActiveHoles, p.LocationSchedule, p.Seed = []int{4, 2, 3}, schedule, 99
		ts := newTargetSchedule(p)
		seen := map[int]int{}
		for i := range 300 {
			h, err := ts.at(i)
			if err != nil {
				t.Fatal(err)
			}
			seen[h]++
		}
		if len(seen) != 3 || seen[2] == 0 || seen[3] == 0 || seen[4] == 0 {
			t.Errorf("%s: targets drawn %v, want holes 2, 3, 4 only", schedule, seen)
		}
		if schedule == ScheduleBalanced {
			for b := 0; b+3 <= len(ts.list); b += 3 {
				block := slices.Sorted(slices.Values(ts.list[b : b+3]))
				if !slices.Equal(block, []int{2, 3, 4}) {
					t.Fatalf("block %d is %v, want a permutation of 2, 3, 4", b/3, ts.list[b:b+3])
				}
			}
		}
	}
	// Without active_holes the draws are those of every earlier release:
	// the same seed presents the same holes.
	p := Default()
	p.Seed = 99
	a := newTargetSchedule(p)
	old := rand.New(rand.NewPCG(p.Seed, streamTargets))
	for b := range 4 {
		for j, h := range old.Perm(5) { // the draw before active_holes existed
			if x, _ := a.at(b*5 + j); x != h+1 {
				t.Fatalf("trial %d: target %d, earlier releases drew %d", b*5+j+1, x, h+1)
			}
		}
	}
	if got := p.MaskedHoles(); got != nil {
		t.Errorf("masked holes of the default set: %v", got)
	}
	p.ActiveHoles = []int{2, 3, 4}
	if got := p.MaskedHoles(); !slices.Equal(got, []int{1, 5}) {
		t.Errorf("masked holes: %v", got)
	}
}

// TestActiveHolesChecked: each wrong active_holes list is refused naming
// the parameter.
func TestActiveHolesChecked(t *testing.T) {
	for _, c := range []struct {
		holes   []int
		targets []int
		want    string
	}{
		{[]int{}, nil, "parameter active_holes: a choice needs at least 2 holes"},
		{[]int{3}, nil, "parameter active_holes: a choice needs at least 2 holes"},
		{[]int{2, 6}, nil, "parameter active_holes[1]: hole 6 does not exist (holes: 5)"},
		{[]int{2, 2, 3}, nil, "parameter active_holes[1]: hole 2 is named twice"},
		{[]int{2, 3, 4}, []int{2, 5}, "parameter targets[1]: hole 5 is masked"},
	} {
		p := Default()
		p.ActiveHoles, p.Targets = c.holes, c.targets
		_, err := p.Check()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: %v, want %q", c.holes, c.targets, err, c.want)
		}
	}
	p := Default()
	p.ActiveHoles = []int{2, 3, 4}
	if _, err := p.Check(); err != nil {
		t.Error(err)
	}
}
