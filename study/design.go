// Package study lays out within-subject drug studies: which subject gets
// which condition on which test day. Every subject receives every condition
// once, in an order from a Williams design, so that each condition comes
// first, second ... equally often and follows every other condition equally
// often (first-order carry-over balance), and drug days are at least a
// washout apart.
package study

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Williams returns the rows of a Williams design for k conditions
// (Williams 1949, Aust. J. Sci. Res. A2:149): each row is one subject's order
// of the condition indices 0..k-1. Every condition appears once in each row
// and in each column (a Latin square), and every ordered pair of distinct
// conditions appears as neighbours exactly once (k even, k rows) or exactly
// twice (k odd: the square and its mirror image, 2k rows).
func Williams(k int) [][]int {
	if k < 1 {
		return nil
	}
	// The first row interleaves from both ends: 0, 1, k-1, 2, k-2, ...;
	// the others add r modulo k.
	first := make([]int, k)
	lo, hi := 1, k-1
	for j := 1; j < k; j++ {
		if j%2 == 1 {
			first[j], lo = lo, lo+1
		} else {
			first[j], hi = hi, hi-1
		}
	}
	var rows [][]int
	for r := 0; r < k; r++ {
		row := make([]int, k)
		for j, v := range first {
			row[j] = (v + r) % k
		}
		rows = append(rows, row)
	}
	if k%2 == 1 {
		for r := 0; r < k; r++ {
			mirror := make([]int, k)
			for j := range mirror {
				mirror[j] = rows[r][k-1-j]
			}
			rows = append(rows, mirror)
		}
	}
	return rows
}

// Assign gives each subject its order of conditions: the design's rows are
// shuffled with the seed, and so is the correspondence between conditions
// and the design's symbols; subjects take rows in turn, so that with more
// subjects than rows each row is used equally often (plus or minus one).
// The same seed gives the same assignment.
func Assign(subjects, conditions []string, seed uint64) (map[string][]string, error) {
	if len(conditions) < 2 {
		return nil, fmt.Errorf("a within-subject study needs at least 2 conditions, got %d", len(conditions))
	}
	if len(subjects) == 0 {
		return nil, fmt.Errorf("a study needs subjects")
	}
	if err := distinct("condition", conditions); err != nil {
		return nil, err
	}
	if err := distinct("subject", subjects); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x57d1))
	rows := Williams(len(conditions))
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	symbol := rng.Perm(len(conditions)) // symbol s stands for conditions[symbol[s]]
	out := map[string][]string{}
	for i, s := range subjects {
		row := rows[i%len(rows)]
		order := make([]string, len(row))
		for j, sym := range row {
			order[j] = conditions[symbol[sym]]
		}
		out[s] = order
	}
	return out, nil
}

func distinct(what string, list []string) error {
	seen := map[string]bool{}
	for _, s := range list {
		if s == "" {
			return fmt.Errorf("an empty %s name", what)
		}
		if seen[s] {
			return fmt.Errorf("%s %s is listed twice", what, s)
		}
		seen[s] = true
	}
	return nil
}

// DayDate returns the planned date of test day n (from 1): the start date
// plus n-1 washouts, rounded up to whole days, so that a 48 h washout gives
// test days two days apart and a 60 h one three.
func DayDate(start time.Time, washout time.Duration, n int) time.Time {
	days := (time.Duration(n-1)*washout + 24*time.Hour - 1) / (24 * time.Hour)
	return start.AddDate(0, 0, int(days))
}

// Codes returns the blinding codes A, B, C ... for k conditions in an order
// shuffled with the seed: codes[i] is the code of condition i. The
// reference condition does not always get A, so a code says nothing.
func Codes(k int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 0xb11d))
	perm := rng.Perm(k)
	codes := make([]string, k)
	for i, p := range perm {
		codes[i] = code(p)
	}
	return codes
}

// code is A..Z, then AA, AB ...
func code(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return code(i/26-1) + string(rune('A'+i%26))
}
