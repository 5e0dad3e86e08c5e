package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fivechoice/fivechoice/analysis"
)

// Markdown writes the report for people: an interim warning and the
// pending test days first when the study is unfinished, then per measure
// the descriptives (all sessions and complete cases side by side), the
// ANOVA and the comparisons with the reference, each naming its rats.
func (r Report) Markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Study %s\n\n", r.Study)
	if r.Interim() {
		p := r.Progress
		fmt.Fprintf(&b, "**Interim report: the study is not finished.** %d of %d test days have a completed session. Every test below is interim: it uses the rats so far and will change.\n\n",
			p.Done, p.Planned)
		b.WriteString("Pending test days (these rats are left out of the tests that need the missing condition):\n")
		for _, d := range p.Pending {
			fmt.Fprintf(&b, "- %s\n", d)
		}
		b.WriteString("\n")
	}
	labels := make([]string, len(r.Conditions))
	for i, c := range r.Conditions {
		labels[i] = c.Label
	}
	fmt.Fprintf(&b, "%d subjects; conditions: %s\n", len(r.Subjects), strings.Join(labels, ", "))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\n> %s\n", n)
	}
	for _, m := range r.Measures {
		r.markdownMeasure(&b, m)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r Report) markdownMeasure(b *strings.Builder, m MeasureReport) {
	fmt.Fprintf(b, "\n## %s\n\n", m.Name)
	nc := len(m.CompleteSubjects)
	b.WriteString("| condition | n | mean | SD | SEM | 95% CI | n complete | mean complete | SEM complete |\n|---|---|---|---|---|---|---|---|---|\n")
	for j, c := range m.All {
		cc := m.Complete[j]
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s | %d | %s | %s |\n", c.Condition, c.N, num4(c.Mean), num3(c.SD), num3(c.SEM),
			ci(c), cc.N, num4(cc.Mean), num3(cc.SEM))
	}
	fmt.Fprintf(b, "\nn, mean, SD, SEM and 95%% CI: every rat with a value under the condition. Complete: the %d rats with a value under every condition (%s), which the ANOVA uses.\n",
		nc, listOr(m.CompleteSubjects, "none"))
	if m.Transform != analysis.NoTransform {
		fmt.Fprintf(b, "\nThe tests use %s-transformed values (%s); means and SDs above are untransformed.\n", m.Transform.Formula(), m.Transform.Reference())
	}
	b.WriteString("\n" + anovaSentence(m.ANOVA) + "\n")
	if len(m.Comparisons) > 0 {
		fmt.Fprintf(b, "\n| vs %s | n | left out | mean difference | t | df | p | p (Holm) | d_z |\n|---|---|---|---|---|---|---|---|---|\n", m.Comparisons[0].Reference)
		for _, c := range m.Comparisons {
			t := c.Test
			if !c.Ran {
				fmt.Fprintf(b, "| %s | %d | %s | not computed: %s | | | | | |\n", c.Condition, len(c.Subjects), droppedNames(c.Dropped), c.Reason)
				continue
			}
			fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", c.Condition, t.N, droppedNames(c.Dropped), num4(t.MeanDiff), stat(t.T, 4),
				num3(t.DF), pFull(t.P), pFull(t.PHolm), stat(t.DZ, 3))
		}
		b.WriteString("\nPaired t-tests, each on every rat with both conditions; p (Holm) is adjusted over the comparisons with the reference (Holm 1979).")
		if m.Transform != analysis.NoTransform {
			fmt.Fprintf(b, " Mean differences are on the %s scale.", m.Transform.Formula())
		}
		if m.Comparisons[0].Interim {
			b.WriteString(" Interim.")
		}
		b.WriteString("\n")
		for _, c := range m.Comparisons {
			if c.Ran && c.Reason != "" {
				fmt.Fprintf(b, "- %s: %s\n", c.Condition, c.Reason)
			}
		}
		for _, c := range m.Comparisons {
			for _, d := range c.Dropped {
				fmt.Fprintf(b, "- %s left out of %s: %s\n", d.Subject, c.Condition, d.Reason)
			}
		}
	}
}

// anovaSentence reports the ANOVA in a sentence that names its rats.
func anovaSentence(a ANOVAResult) string {
	var b strings.Builder
	b.WriteString("Repeated-measures ANOVA")
	if a.Interim {
		b.WriteString(" (interim)")
	}
	t := a.Test
	switch {
	case !a.Ran || a.Status == analysis.Undefined:
		fmt.Fprintf(&b, ": not computed: %s.", a.Reason)
	case a.Status == analysis.Infinite:
		fmt.Fprintf(&b, ", %d rats: F(%s, %s) is infinite, p = 0: %s.", t.N, num3(t.DF1), num3(t.DF2), a.Reason)
	default:
		fmt.Fprintf(&b, ", %d rats: F(%s, %s) = %s, p %s; Greenhouse-Geisser ε = %s, F(%s, %s), p %s.", t.N, num3(t.DF1), num3(t.DF2), num4(t.F),
			pIs(t.P), num3(t.EpsilonGG), num3(t.DF1*t.EpsilonGG), num3(t.DF2*t.EpsilonGG), pIs(t.PGG))
	}
	if len(a.Dropped) > 0 {
		b.WriteString(" Left out:")
		for i, d := range a.Dropped {
			sep := ";"
			if i == len(a.Dropped)-1 {
				sep = "."
			}
			fmt.Fprintf(&b, " %s (%s)%s", d.Subject, d.Reason, sep)
		}
	}
	return b.String()
}

func ci(c Cell) string {
	if math.IsNaN(c.CI95) {
		return "n < 2"
	}
	return num3(c.Mean-c.CI95) + " to " + num3(c.Mean+c.CI95)
}

func droppedNames(d []Dropped) string {
	if len(d) == 0 {
		return "none"
	}
	names := make([]string, len(d))
	for i, x := range d {
		names[i] = x.Subject
	}
	return strings.Join(names, ", ")
}

func listOr(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, ", ")
}

func num3(x float64) string { return stat(x, 3) }
func num4(x float64) string { return stat(x, 4) }

// stat is a number for a table: sig significant figures, "∞" when
// infinite, "–" when there is none.
func stat(x float64, sig int) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case math.IsInf(x, 1):
		return "∞"
	case math.IsInf(x, -1):
		return "−∞"
	}
	return strconv.FormatFloat(x, 'g', sig, 64)
}

// pFull is a p-value to 3 significant figures, tiny ones included
// (5.04e-26, not "< .001"): the exact value lets a reader recompute.
func pFull(p float64) string {
	switch {
	case math.IsNaN(p):
		return "–"
	case p == 0:
		return "0"
	case p < 1e-4:
		return strconv.FormatFloat(p, 'e', 2, 64)
	}
	return strconv.FormatFloat(p, 'g', 3, 64)
}

func pIs(p float64) string { return "= " + pFull(p) }
