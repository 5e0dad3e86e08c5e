// Package report turns a study's completed sessions into its per-condition
// results: descriptives, a repeated-measures ANOVA per measure, each dose
// against vehicle, and dose-response figures, as Markdown, CSV or JSON.
package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/fivechoice/fivechoice/analysis"
)

// A Measure is one dependent variable of the report.
type Measure struct {
	Key  string `json:"key"`  // the column of session_measures
	Name string `json:"name"` // for people
}

// Measures are the report's dependent variables, in the order labs report
// them.
var Measures = []Measure{
	{"accuracy_pct", "Accuracy (%)"},
	{"omissions_pct", "Omissions (%)"},
	{"correct_pct", "Correct (%)"},
	{"premature", "Premature responses"},
	{"perseverative", "Perseverative responses"},
	{"timeout_responses", "Time-out responses"},
	{"trials_scored", "Trials completed"},
	{"correct_latency_mean_ms", "Correct latency (ms)"},
	{"reward_latency_mean_ms", "Reward latency (ms)"},
}

// A Condition is a column of the report.
type Condition struct {
	ID    string   `json:"id"`
	Drug  string   `json:"drug,omitempty"`
	Dose  *float64 `json:"dose_mg_per_kg,omitempty"` // nil while blinded
	Label string   `json:"label"`                    // for tables and plots
}

// A Row is one subject's completed session under one condition, with its
// measures (NaN where a measure is undefined).
type Row struct {
	Subject   string
	Condition string
	Values    map[string]float64
}

// A Cell is one condition's descriptives for one measure.
type Cell struct {
	Condition string  `json:"condition"`
	N         int     `json:"n"`
	Mean      float64 `json:"mean"`
	SEM       float64 `json:"sem"`
}

// A Comparison is one condition against the reference.
type Comparison struct {
	Condition string `json:"condition"`
	analysis.TTest
}

// A MeasureReport is everything the report says about one measure.
type MeasureReport struct {
	Measure
	Cells       []Cell          `json:"conditions"`
	ANOVA       *analysis.ANOVA `json:"anova,omitempty"`
	Comparisons []Comparison    `json:"vs_reference,omitempty"`
	Complete    int             `json:"complete_subjects"`
	Excluded    []string        `json:"excluded,omitempty"` // subjects left out of the ANOVA, and why
	Note        string          `json:"note,omitempty"`
}

// A Report is a study's per-condition results.
type Report struct {
	Study      string          `json:"study"`
	Blinded    bool            `json:"blinded"` // conditions are still codes: no comparison with the reference
	Conditions []Condition     `json:"conditions"`
	Subjects   []string        `json:"subjects"`
	Missing    []string        `json:"missing,omitempty"` // subject × condition without a completed session
	Notes      []string        `json:"notes,omitempty"`
	Measures   []MeasureReport `json:"measures"`
}

// Build computes the report from the completed sessions. conds are the
// study's conditions in order, the reference first (unless blinded).
func Build(name string, conds []Condition, subjects []string, rows []Row, blinded bool) Report {
	r := Report{Study: name, Blinded: blinded, Conditions: conds, Subjects: subjects}
	cell := map[[2]string]Row{}
	for _, row := range rows {
		k := [2]string{row.Subject, row.Condition}
		if _, dup := cell[k]; dup {
			r.Notes = append(r.Notes, fmt.Sprintf("%s has more than one completed session under %s; the first is used", row.Subject, label(conds, row.Condition)))
			continue
		}
		cell[k] = row
	}
	for _, s := range subjects {
		for _, c := range conds {
			if _, ok := cell[[2]string{s, c.ID}]; !ok {
				r.Missing = append(r.Missing, fmt.Sprintf("%s: no completed session under %s", s, c.Label))
			}
		}
	}
	for _, m := range Measures {
		mr := MeasureReport{Measure: m}
		var complete [][]float64
		for _, s := range subjects {
			var vals []float64
			var lacks []string
			for _, c := range conds {
				v := math.NaN()
				if row, ok := cell[[2]string{s, c.ID}]; ok {
					if x, ok := row.Values[m.Key]; ok {
						v = x
					}
				}
				if math.IsNaN(v) {
					lacks = append(lacks, c.Label)
				}
				vals = append(vals, v)
			}
			if len(lacks) > 0 {
				mr.Excluded = append(mr.Excluded, fmt.Sprintf("%s (no value under %s)", s, joinComma(lacks)))
				continue
			}
			complete = append(complete, vals)
		}
		mr.Complete = len(complete)
		for j, c := range conds {
			var xs []float64
			for _, s := range subjects {
				if row, ok := cell[[2]string{s, c.ID}]; ok {
					if x, ok := row.Values[m.Key]; ok && !math.IsNaN(x) {
						xs = append(xs, x)
					}
				}
			}
			_ = j
			mr.Cells = append(mr.Cells, Cell{Condition: c.Label, N: len(xs), Mean: analysis.Mean(xs), SEM: analysis.SEM(xs)})
		}
		if a, err := analysis.RepeatedMeasures(complete); err == nil {
			mr.ANOVA = &a
		} else {
			mr.Note = fmt.Sprintf("no ANOVA: %v", err)
		}
		if !blinded && len(complete) >= 2 {
			if ts, err := analysis.Compare(complete); err == nil {
				for i, t := range ts {
					mr.Comparisons = append(mr.Comparisons, Comparison{Condition: conds[i+1].Label, TTest: t})
				}
			}
		}
		r.Measures = append(r.Measures, mr)
	}
	if blinded {
		r.Notes = append(r.Notes, "the study is blind: conditions are codes, and comparisons with the reference wait for 'fivechoice study unblind'")
	}
	return r
}

func label(conds []Condition, id string) string {
	for _, c := range conds {
		if c.ID == id {
			return c.Label
		}
	}
	return id
}

func joinComma(s []string) string {
	sort.Strings(s)
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}
