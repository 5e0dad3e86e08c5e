package analysis

import (
	"math"
	"sort"
)

// Holm adjusts p-values for multiple comparisons by Holm's (1979)
// step-down procedure, as R's p.adjust(p, "holm") does: with the m values
// sorted ascending, the i-th smallest (from 1) becomes (m−i+1)·p(i), each
// is raised to at least its predecessor's so the order is kept, and all
// are capped at 1. Rejecting where the adjusted p ≤ α controls the
// family-wise error rate at α under any dependence between the tests, and
// rejects at least everything Bonferroni does.
//
// The result is in the input's order, in a new slice. NaN entries (tests
// that could not be done) are not counted in m and stay NaN. Ties keep
// their input order, which does not change the result.
func Holm(p []float64) []float64 {
	idx := make([]int, 0, len(p))
	for i, v := range p {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	out := make([]float64, len(p))
	for i := range out {
		out[i] = math.NaN()
	}
	m := len(idx)
	running := 0.0
	for r, i := range idx {
		running = math.Max(running, math.Min(1, float64(m-r)*p[i]))
		out[i] = running
	}
	return out
}
