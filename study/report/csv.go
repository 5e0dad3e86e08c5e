package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// CSV writes the results tidily: one row per measure and condition, with
// the all-sessions and complete-case descriptives, the measure's ANOVA
// repeated on each of its rows, and on each condition's row its comparison
// with the reference. A statistic is empty when undefined (the row's
// *_reason column says why) and Inf or -Inf when infinite, which R and
// pandas read as numbers.
func (r Report) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"study", "status", "measure", "condition",
		"n_all", "mean_all", "sd_all", "sem_all", "ci95_all",
		"n_complete", "mean_complete", "sd_complete", "sem_complete", "ci95_complete",
		"transform", "anova_n", "anova_f", "anova_df1", "anova_df2", "anova_p", "gg_epsilon", "gg_df1", "gg_df2", "gg_p", "hf_epsilon", "hf_p",
		"anova_status", "anova_reason",
		"vs_reference", "vs_reference_n", "vs_reference_mean_diff", "vs_reference_t", "vs_reference_df", "vs_reference_p", "vs_reference_p_holm",
		"vs_reference_dz", "vs_reference_status", "vs_reference_reason"})
	status := "final"
	if r.Interim() {
		status = "interim"
	}
	for _, m := range r.Measures {
		anova := csvANOVA(m.ANOVA)
		for j, c := range m.All {
			cc := m.Complete[j]
			rec := []string{r.Study, status, m.Key, c.Condition,
				strconv.Itoa(c.N), f(c.Mean), f(c.SD), f(c.SEM), f(c.CI95),
				strconv.Itoa(cc.N), f(cc.Mean), f(cc.SD), f(cc.SEM), f(cc.CI95), string(m.Transform)}
			rec = append(rec, anova...)
			cmp := make([]string, 10)
			for _, t := range m.Comparisons {
				if t.Condition == c.Condition {
					cmp = csvComparison(t)
				}
			}
			cw.Write(append(rec, cmp...))
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvANOVA(a ANOVAResult) []string {
	t := a.Test
	if !a.Ran {
		return []string{strconv.Itoa(len(a.Subjects)), "", "", "", "", "", "", "", "", "", "", a.Status.String(), a.Reason}
	}
	return []string{strconv.Itoa(t.N), f(t.F), f(t.DF1), f(t.DF2), f(t.P), f(t.EpsilonGG), f(t.DF1 * t.EpsilonGG), f(t.DF2 * t.EpsilonGG),
		f(t.PGG), f(t.EpsilonHF), f(t.PHF), a.Status.String(), a.Reason}
}

func csvComparison(c Comparison) []string {
	t := c.Test
	if !c.Ran {
		return []string{c.Reference, strconv.Itoa(len(c.Subjects)), "", "", "", "", "", "", c.Status.String(), c.Reason}
	}
	return []string{c.Reference, strconv.Itoa(t.N), f(t.MeanDiff), f(t.T), f(t.DF), f(t.P), f(t.PHolm), f(t.DZ), c.Status.String(), c.Reason}
}

// DataCSV writes the values the report is computed from, long: one row
// per rat, condition and measure, with whether the rat is a complete case
// for that measure (in its ANOVA). Missing values are left out.
func (r Report) DataCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"study", "subject", "condition", "measure", "value", "complete_case"})
	for _, m := range r.Measures {
		complete := map[string]bool{}
		for _, s := range m.CompleteSubjects {
			complete[s] = true
		}
		for i, s := range r.Subjects {
			for j, c := range r.Conditions {
				if v := m.Data[i][j]; !math.IsNaN(v) {
					cw.Write([]string{r.Study, s, c.Label, m.Key, f(v), strconv.FormatBool(complete[s])})
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WideCSV writes one row per rat and one column per measure × condition
// (premature_vehicle, premature_atx_1_0 ...), the layout GraphPad Prism
// and SPSS take for a repeated-measures analysis. Column names keep to
// letters, digits and underscores and start with a letter, as SPSS
// requires; a missing value is an empty cell, which both read as missing.
func (r Report) WideCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"subject"}
	seen := map[string]bool{"subject": true}
	for _, m := range r.Measures {
		for _, c := range r.Conditions {
			name := spssName(m.Key + "_" + c.Label)
			for n := 2; seen[name]; n++ { // two labels that read the same
				name = spssName(fmt.Sprintf("%s_%s_%d", m.Key, c.Label, n))
			}
			seen[name] = true
			head = append(head, name)
		}
	}
	cw.Write(head)
	for i, s := range r.Subjects {
		rec := []string{s}
		for _, m := range r.Measures {
			for j := range r.Conditions {
				rec = append(rec, f(m.Data[i][j]))
			}
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

var notSPSS = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// spssName is s as an SPSS variable name: letters, digits and _, starting
// with a letter, at most 64 characters.
func spssName(s string) string {
	s = strings.Trim(notSPSS.ReplaceAllString(s, "_"), "_")
	if s == "" || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') {
		s = "v_" + s
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// f is a number for CSV: shortest exact form, Inf or -Inf, empty when
// undefined.
func f(x float64) string {
	switch {
	case math.IsNaN(x):
		return ""
	case math.IsInf(x, 1):
		return "Inf"
	case math.IsInf(x, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
