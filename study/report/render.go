package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Markdown writes the report as Markdown tables.
func (r Report) Markdown(w io.Writer) error {
	fmt.Fprintf(w, "# Study %s\n\n", r.Study)
	fmt.Fprintf(w, "%d subjects; conditions: ", len(r.Subjects))
	for i, c := range r.Conditions {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprint(w, c.Label)
	}
	fmt.Fprintln(w)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n> %s\n", n)
	}
	if len(r.Missing) > 0 {
		fmt.Fprintln(w, "\nMissing (these subjects are left out of the tests of every measure they lack):")
		for _, m := range r.Missing {
			fmt.Fprintf(w, "- %s\n", m)
		}
	}
	for _, m := range r.Measures {
		fmt.Fprintf(w, "\n## %s\n\n| condition | n | mean | SEM |\n|---|---|---|---|\n", m.Name)
		for _, c := range m.Cells {
			fmt.Fprintf(w, "| %s | %d | %s | %s |\n", c.Condition, c.N, num(c.Mean, 4), num(c.SEM, 3))
		}
		if a := m.ANOVA; a != nil {
			fmt.Fprintf(w, "\nRepeated-measures ANOVA (%d complete subjects): F(%s, %s) = %s, p %s; Greenhouse-Geisser ε = %s, p %s\n",
				m.Complete, num(a.DF1, 3), num(a.DF2, 3), num(a.F, 4), pvalIs(a.P), num(a.EpsilonGG, 3), pvalIs(a.PGG))
		} else if m.Note != "" {
			fmt.Fprintf(w, "\n%s\n", m.Note)
		}
		if len(m.Comparisons) > 0 {
			fmt.Fprintf(w, "\n| vs %s | mean difference | t | df | p | p (Holm) | d_z |\n|---|---|---|---|---|---|---|\n", r.Conditions[0].Label)
			for _, c := range m.Comparisons {
				fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", c.Condition, num(c.MeanDiff, 4), num(c.T, 4), num(c.DF, 3), pval(c.P), pval(c.PHolm), num(c.DZ, 3))
			}
		}
		if len(m.Excluded) > 0 {
			fmt.Fprintf(w, "\nLeft out of the tests: %s\n", joinComma(append([]string(nil), m.Excluded...)))
		}
	}
	return nil
}

// CSV writes one row per measure and condition, with the measure's tests
// repeated on its rows, for spreadsheets and R.
func (r Report) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"study", "measure", "condition", "n", "mean", "sem", "anova_f", "anova_df1", "anova_df2", "anova_p", "gg_epsilon", "gg_p",
		"vs_reference_mean_diff", "vs_reference_t", "vs_reference_df", "vs_reference_p", "vs_reference_p_holm"})
	for _, m := range r.Measures {
		for _, c := range m.Cells {
			rec := []string{r.Study, m.Key, c.Condition, strconv.Itoa(c.N), f(c.Mean), f(c.SEM)}
			if a := m.ANOVA; a != nil {
				rec = append(rec, f(a.F), f(a.DF1), f(a.DF2), f(a.P), f(a.EpsilonGG), f(a.PGG))
			} else {
				rec = append(rec, "", "", "", "", "", "")
			}
			cmp := []string{"", "", "", "", ""}
			for _, t := range m.Comparisons {
				if t.Condition == c.Condition {
					cmp = []string{f(t.MeanDiff), f(t.T), f(t.DF), f(t.P), f(t.PHolm)}
				}
			}
			cw.Write(append(rec, cmp...))
		}
	}
	cw.Flush()
	return cw.Error()
}

// JSON writes the report as JSON; undefined numbers are null.
func (r Report) JSON(w io.Writer) error {
	var measures []any
	for _, m := range r.Measures {
		var cells, cmps []any
		for _, c := range m.Cells {
			cells = append(cells, map[string]any{"condition": c.Condition, "n": c.N, "mean": jf(c.Mean), "sem": jf(c.SEM)})
		}
		for _, t := range m.Comparisons {
			cmps = append(cmps, map[string]any{"condition": t.Condition, "n": t.N, "mean_diff": jf(t.MeanDiff), "t": jf(t.T), "df": jf(t.DF),
				"p": jf(t.P), "p_holm": jf(t.PHolm), "dz": jf(t.DZ)})
		}
		mm := map[string]any{"key": m.Key, "name": m.Name, "conditions": cells, "vs_reference": cmps,
			"complete_subjects": m.Complete, "excluded": m.Excluded, "note": m.Note}
		if a := m.ANOVA; a != nil {
			mm["anova"] = map[string]any{"n": a.N, "k": a.K, "f": jf(a.F), "df1": jf(a.DF1), "df2": jf(a.DF2), "p": jf(a.P),
				"ss_conditions": jf(a.SSConditions), "ss_subjects": jf(a.SSSubjects), "ss_error": jf(a.SSError),
				"gg_epsilon": jf(a.EpsilonGG), "gg_p": jf(a.PGG), "hf_epsilon": jf(a.EpsilonHF), "hf_p": jf(a.PHF)}
		}
		measures = append(measures, mm)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"study": r.Study, "blinded": r.Blinded, "conditions": r.Conditions, "subjects": r.Subjects,
		"missing": r.Missing, "notes": r.Notes, "measures": measures})
}

// jf is a number for JSON: null where undefined.
func jf(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

func f(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

func num(x float64, sig int) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'g', sig, 64)
}

// pvalIs is a p-value for a sentence: "= 0.031" or "< .001".
func pvalIs(p float64) string {
	if v := pval(p); v[0] == '<' || v == "n/a" {
		return v
	}
	return "= " + pval(p)
}

func pval(p float64) string {
	switch {
	case math.IsNaN(p):
		return "n/a"
	case p < 0.001:
		return "< .001"
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}
