package study

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestWilliamsBalanceMatchesAssign: for 2 to 6 conditions and 1 to 25
// subjects, WilliamsBalance's counts are those of the plan Assign actually
// makes with the same seed: the over- and under-used sequences, and who
// gets which condition on which day. Balanced exactly when the number of
// subjects is a multiple of k (even k) or 2k (odd k).
func TestWilliamsBalanceMatchesAssign(t *testing.T) {
	for k := 2; k <= 6; k++ {
		conds := make([]string, k)
		for i := range conds {
			conds[i] = fmt.Sprintf("c%d", i)
		}
		rows := k
		if k%2 == 1 {
			rows = 2 * k
		}
		for n := 1; n <= 25; n++ {
			subjects := make([]string, n)
			for i := range subjects {
				subjects[i] = fmt.Sprintf("R%02d", i+1)
			}
			const seed = 99
			orders, err := Assign(subjects, conds, seed)
			if err != nil {
				t.Fatal(err)
			}
			b, err := WilliamsBalance(n, conds, seed)
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("k=%d n=%d", k, n)
			if b.Balanced != (n%rows == 0) || b.Sequences != rows {
				t.Errorf("%s: balanced %v with %d sequences", name, b.Balanced, b.Sequences)
			}
			used := map[string]int{}
			days := make([]map[string]int, k)
			for d := range days {
				days[d] = map[string]int{}
			}
			for _, o := range orders {
				used[strings.Join(o, ",")]++
				for d, c := range o {
					days[d][c]++
				}
			}
			for _, u := range append(slices.Clone(b.Over), b.Under...) {
				if got := used[strings.Join(u.Order, ",")]; got != u.Subjects {
					t.Errorf("%s: sequence %v has %d subjects in the plan, %d in the balance", name, u.Order, got, u.Subjects)
				}
			}
			if !b.Balanced && (len(b.Over)+len(b.Under) != rows || b.Over[0].Subjects != b.Under[0].Subjects+1) {
				t.Errorf("%s: over %v, under %v", name, b.Over, b.Under)
			}
			for d := range days {
				for _, c := range conds {
					if days[d][c] != b.Days[d][c] {
						t.Errorf("%s: day %d %s: plan %d, balance %d", name, d+1, c, days[d][c], b.Days[d][c])
					}
				}
			}
			if b.Fewer%rows != 0 || b.More%rows != 0 || b.Fewer > n || b.More < n || b.More-b.Fewer > rows {
				t.Errorf("%s: nearest balanced sizes %d and %d", name, b.Fewer, b.More)
			}
			if (b.Warning() == "") != b.Balanced {
				t.Errorf("%s: warning %q", name, b.Warning())
			}
		}
	}
}

// TestWilliamsBalanceWarning: 10 rats and 4 conditions (4 sequences): two
// sequences get 3 rats, two get 2, and the days are uneven; 8 or 12 rats
// would balance. 3 conditions need a multiple of 6.
func TestWilliamsBalanceWarning(t *testing.T) {
	conds := []string{"vehicle", "atx-0.1", "atx-0.3", "atx-1.0"}
	b, err := WilliamsBalance(10, conds, 7)
	if err != nil {
		t.Fatal(err)
	}
	w := b.Warning()
	for _, want := range []string{"10 subjects do not balance", "4 sequences", "(8 or 12)", "Over-used (3 subjects each)", "Under-used (2 subjects each)", "Test day 1 is uneven"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning lacks %q:\n%s", want, w)
		}
	}
	if len(b.Over) != 2 || len(b.Under) != 2 {
		t.Errorf("over %v under %v", b.Over, b.Under)
	}
	b3, _ := WilliamsBalance(4, conds[:3], 7)
	if b3.Balanced || b3.Sequences != 6 || b3.Fewer != 0 || b3.More != 6 || !strings.Contains(b3.Warning(), "subjects (6)") || !strings.Contains(b3.Warning(), "Given to no subject") {
		t.Errorf("3 conditions, 4 subjects: %+v\n%s", b3, b3.Warning())
	}
	for _, u := range b3.Under {
		if u.Subjects != 0 {
			t.Errorf("4 subjects on 6 sequences: under-used sequence has %d", u.Subjects)
		}
	}
	if b12, _ := WilliamsBalance(12, conds, 7); !b12.Balanced || b12.Warning() != "" {
		t.Errorf("12 subjects, 4 conditions: %+v", b12)
	}
	t.Logf("the warning for 10 rats:\n%s", w)
}

func TestWilliamsBalanceErrors(t *testing.T) {
	for _, tt := range []struct {
		n     int
		conds []string
	}{{4, []string{"a"}}, {0, []string{"a", "b"}}, {4, []string{"a", "a"}}} {
		if _, err := WilliamsBalance(tt.n, tt.conds, 1); !errors.Is(err, ErrDesign) {
			t.Errorf("%d subjects, %v: error %v", tt.n, tt.conds, err)
		}
	}
}
