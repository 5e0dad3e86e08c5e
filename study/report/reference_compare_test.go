package report

import (
	"math"
	"slices"
	"testing"

	"github.com/fivechoice/fivechoice/analysis"
)

// relTol is how close fivechoice and statsmodels/scipy must agree: a
// millionth, far inside the 3 significant figures a report prints, for
// every statistic and for p however small.
const relTol = 1e-6

type compareStats struct {
	anovas, tests int
	degenerate    int // infinite or undefined results matched
	worst         float64
	smallest      float64
}

// close reports whether got and want agree to relTol (or both are 0 or
// NaN), recording the largest difference seen.
func (s *compareStats) close(got, want float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	if got == want {
		return true
	}
	d := math.Abs(got-want) / math.Max(math.Abs(got), math.Abs(want))
	s.worst = math.Max(s.worst, d)
	return d <= relTol || math.Abs(got-want) < 1e-13 // t or F of 1e-15 is noise around 0
}

// closeP is close for p-values: relative only, so that 1e-40 against 0 is
// a difference (1 − CDF would print 0).
func (s *compareStats) closeP(got, want float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	if got == want {
		return true
	}
	d := math.Abs(got-want) / math.Max(math.Abs(got), math.Abs(want))
	s.worst = math.Max(s.worst, d)
	return d <= relTol
}

func (s *compareStats) p(p float64) {
	if p > 0 && (s.smallest == 0 || p < s.smallest) {
		s.smallest = p
	}
}

// compare checks one dataset. statsmodels and scipy print numbers where
// the statistic is degenerate, so those cases are matched by meaning:
// fivechoice's "infinite" against an F above 1e8 (a residual at rounding
// level) or an infinite t; its "undefined" against NaN, or statsmodels'
// F = 0 with an undefined epsilon when every value is equal.
func (s *compareStats) compare(t *testing.T, d refDataset, m MeasureReport, ref refResult) {
	t.Helper()
	if !slices.Equal(m.CompleteSubjects, ref.Complete) && !(len(m.CompleteSubjects) == 0 && len(ref.Complete) == 0) {
		t.Errorf("%s: complete cases %v, reference %v", d.ID, m.CompleteSubjects, ref.Complete)
	}
	s.compareANOVA(t, d, m.ANOVA, ref)
	if len(m.Comparisons) != len(ref.Tests) {
		t.Fatalf("%s: %d comparisons, reference %d", d.ID, len(m.Comparisons), len(ref.Tests))
	}
	for j, c := range m.Comparisons {
		r := ref.Tests[j]
		what := d.ID + " " + c.Condition + " vs c0"
		if len(c.Subjects) != r.N {
			t.Errorf("%s: %d rats, reference %d", what, len(c.Subjects), r.N)
		}
		tt := c.Test
		switch {
		case r.N < 2:
			if c.Ran || c.Status != analysis.Undefined || c.Reason == "" {
				t.Errorf("%s: %d pairs but %+v", what, r.N, c.Verdict)
			}
			continue
		case math.IsInf(float64(r.T), 0):
			s.degenerate++
			if c.Status != analysis.Infinite || tt.T != float64(r.T) || tt.P != 0 {
				t.Errorf("%s: t %v p %v (%v), reference t %v", what, tt.T, tt.P, c.Status, r.T)
			}
		case math.IsNaN(float64(r.T)):
			s.degenerate++
			if c.Status != analysis.Undefined || !math.IsNaN(tt.P) || c.Reason == "" {
				t.Errorf("%s: t %v (%v), reference undefined", what, tt.T, c.Status)
			}
		default:
			s.tests++
			s.p(float64(r.P))
			if c.Status != analysis.Computed || !s.close(tt.T, float64(r.T)) || tt.DF != float64(r.DF) || !s.closeP(tt.P, float64(r.P)) {
				t.Errorf("%s: t(%v) = %.10g, p = %.10g; reference t(%v) = %.10g, p = %.10g", what, tt.DF, tt.T, tt.P, r.DF, r.T, r.P)
			}
		}
		if !s.closeP(tt.PHolm, float64(r.PHolm)) {
			t.Errorf("%s: Holm p = %.10g, reference %.10g", what, tt.PHolm, r.PHolm)
		}
	}
}

func (s *compareStats) compareANOVA(t *testing.T, d refDataset, a ANOVAResult, ref refResult) {
	t.Helper()
	r := ref.ANOVA
	if r == nil {
		if a.Ran || a.Status != analysis.Undefined || a.Reason == "" {
			t.Errorf("%s: reference has no ANOVA (fewer than 2 complete cases); fivechoice %+v", d.ID, a.Verdict)
		}
		return
	}
	x := a.Test
	switch a.Status {
	case analysis.Infinite:
		s.degenerate++
		if !(float64(r.F) > 1e8) {
			t.Errorf("%s: F infinite, reference F = %v", d.ID, r.F)
		}
		return
	case analysis.Undefined:
		s.degenerate++
		if !math.IsNaN(float64(r.F)) && !(r.F == 0 && math.IsNaN(float64(r.Eps))) {
			t.Errorf("%s: F undefined (%s), reference F = %v", d.ID, a.Reason, r.F)
		}
		return
	}
	s.anovas++
	s.p(float64(r.P))
	s.p(float64(r.PGG))
	checks := []struct {
		what      string
		got, want float64
		isP       bool
	}{
		{"F", x.F, float64(r.F), false}, {"df1", x.DF1, float64(r.DF1), false}, {"df2", x.DF2, float64(r.DF2), false},
		{"p", x.P, float64(r.P), true}, {"GG epsilon", x.EpsilonGG, float64(r.Eps), false}, {"GG p", x.PGG, float64(r.PGG), true},
	}
	for _, c := range checks {
		ok := s.close(c.got, c.want)
		if c.isP {
			ok = s.closeP(c.got, c.want)
		}
		if !ok {
			t.Errorf("%s: ANOVA %s = %.10g, reference %.10g", d.ID, c.what, c.got, c.want)
		}
	}
}
