// Package study lays out within-subject drug studies: which subject gets
// which condition on which test day. Every subject receives every condition
// once, in an order from a Williams design, so that each condition comes
// first, second ... equally often and follows every other condition equally
// often (first-order carry-over balance), and drug days are at least a
// washout apart.
//
// Why Williams: in a dose study the order of treatments matters twice
// over. Rats improve (or tire) across test days, which a Latin square
// balances by putting each condition in each position equally often. And a
// dose can leave a trace the next test day despite the washout; a plain
// cyclic Latin square has every condition always preceded by the same one,
// so that carry-over is confounded with the condition itself. A Williams
// square also has every condition preceded by every other equally often,
// with as few sequences as possible (k for even k, 2k for odd k).
package study

import (
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// ErrDesign is wrapped by the errors of Assign and Schedule: the request
// cannot make a valid within-subject design.
var ErrDesign = errors.New("invalid study design")

// Williams returns the rows of a Williams design for k conditions
// (Williams 1949, Aust. J. Sci. Res. A2:149-168): each row is one subject's
// order of the condition indices 0..k-1. Every condition appears once in
// each row and equally often in each column (a Latin square, or two), and
// every ordered pair of distinct conditions appears as immediate
// neighbours exactly once (k even, k rows) or exactly twice (k odd: the
// square and its mirror image, 2k rows, because no single square of order
// 3, 5 or 7 is balanced). Nil for k < 1.
//
// The construction is Williams' own: the first row interleaves from both
// ends, 0, 1, k−1, 2, k−2, ..., and row r adds r modulo k. It gives the
// same rows as R's crossdes::williams.
func Williams(k int) [][]int {
	if k < 1 {
		return nil
	}
	first := make([]int, k)
	lo, hi := 1, k-1
	for j := 1; j < k; j++ {
		if j%2 == 1 {
			first[j], lo = lo, lo+1
		} else {
			first[j], hi = hi, hi-1
		}
	}
	rows := make([][]int, 0, 2*k)
	for r := range k {
		row := make([]int, k)
		for j, v := range first {
			row[j] = (v + r) % k
		}
		rows = append(rows, row)
	}
	if k%2 == 1 {
		for r := range k {
			mirror := make([]int, k)
			for j := range mirror {
				mirror[j] = rows[r][k-1-j]
			}
			rows = append(rows, mirror)
		}
	}
	return rows
}

// Assign gives each subject its order of conditions from a Williams design
// for len(conditions) conditions. Both the order of the design's rows and
// the correspondence between conditions and the design's symbols are
// shuffled with a PCG generator seeded by seed, so that vehicle is not
// always symbol 0 and subject 1 does not always get row 0; the same
// subjects, conditions and seed always give the same assignment, so a
// study's plan can be rebuilt from its recorded seed.
//
// Subjects take rows in turn: with more subjects than rows the rows are
// cycled, and row counts differ by at most one. Balance is exact only when
// the number of subjects is a multiple of the number of rows (k for even k,
// 2k for odd k); otherwise it is as close as the numbers allow.
//
// The result maps each subject to its conditions in test-day order.
// Errors (wrapping ErrDesign): fewer than 2 conditions, no subjects, and
// empty or repeated names.
func Assign(subjects, conditions []string, seed uint64) (map[string][]string, error) {
	if len(conditions) < 2 {
		return nil, fmt.Errorf("a within-subject study needs at least 2 conditions, got %d: %w", len(conditions), ErrDesign)
	}
	if len(subjects) == 0 {
		return nil, fmt.Errorf("a study needs subjects: %w", ErrDesign)
	}
	if err := distinct("condition", conditions); err != nil {
		return nil, err
	}
	if err := distinct("subject", subjects); err != nil {
		return nil, err
	}
	seqs := sequences(conditions, seed)
	out := make(map[string][]string, len(subjects))
	for i, s := range subjects {
		out[s] = slices.Clone(seqs[i%len(seqs)])
	}
	return out, nil
}

// sequences are the Williams design's rows for conditions in the order
// subjects take them, shuffled and relabelled by seed as Assign describes.
func sequences(conditions []string, seed uint64) [][]string {
	rng := rand.New(rand.NewPCG(seed, 0x57d1))
	rows := Williams(len(conditions))
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	symbol := rng.Perm(len(conditions)) // symbol s stands for conditions[symbol[s]]
	out := make([][]string, len(rows))
	for i, row := range rows {
		out[i] = make([]string, len(row))
		for j, sym := range row {
			out[i][j] = conditions[symbol[sym]]
		}
	}
	return out
}

// distinct reports an empty or repeated name in list.
func distinct(what string, list []string) error {
	seen := make(map[string]bool, len(list))
	for _, s := range list {
		if s == "" {
			return fmt.Errorf("an empty %s name: %w", what, ErrDesign)
		}
		if seen[s] {
			return fmt.Errorf("%s %s is listed twice: %w", what, s, ErrDesign)
		}
		seen[s] = true
	}
	return nil
}

// Codes returns the blinding codes A, B, C ... for k conditions in an order
// drawn from crypto/rand: codes[i] is the code of condition i. Not from
// the study's seed, which is stored for everyone to read: a code drawn
// from it could be recomputed by anyone (docs/blinding.md), so the
// reference gets each code equally often and nothing stored says which.
func Codes(k int) []string {
	perm := rand.New(cryptoSource{}).Perm(k)
	codes := make([]string, k)
	for i, p := range perm {
		codes[i] = code(p)
	}
	return codes
}

// cryptoSource is a math/rand/v2 source that draws from crypto/rand.
type cryptoSource struct{}

func (cryptoSource) Uint64() uint64 {
	var b [8]byte
	crand.Read(b[:]) // never fails (crypto/rand panics rather than return short)
	return binary.LittleEndian.Uint64(b[:])
}

// code is A..Z, then AA, AB ...
func code(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return code(i/26-1) + string(rune('A'+i%26))
}
