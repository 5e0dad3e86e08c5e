package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/fivechoice/fivechoice/analysis"
)

// Compute builds the report. Sessions count only when completed; the
// first completed session of a subject under a condition is used (later
// ones are noted). Descriptives, the ANOVA (complete cases) and the
// comparisons with the reference (every rat with both) each name their
// rats; while the study is blinded there are no comparisons.
func Compute(in Input, opt Options) Report {
	t := sortSessions(in)
	r := Report{Study: in.Study, Blinded: in.Blinded, Conditions: in.Conditions, Subjects: in.Subjects,
		Progress: progress(in, t), Notes: t.notes}
	for _, m := range Measures {
		mr, notes := computeMeasure(in, opt, t, r.Progress, m)
		r.Measures = append(r.Measures, mr)
		r.Notes = append(r.Notes, notes...)
	}
	if in.Blinded {
		r.Notes = append(r.Notes, "the study is blind: conditions are codes, and comparisons with the reference wait for 'fivechoice study unblind'")
	}
	return r
}

// measureData is one measure's values and, where there is none, why.
type measureData struct {
	raw, tested [][]float64 // [subject][condition]; tested is transformed
	why         [][]string  // why raw or tested is NaN
}

func computeMeasure(in Input, opt Options, t sessionTable, p Progress, m Measure) (MeasureReport, []string) {
	tr := opt.Transforms[m.Key]
	if tr == "" {
		tr = analysis.NoTransform
	}
	mr := MeasureReport{Measure: m, Transform: tr}
	d, notes := collect(in, t, p, m, tr)
	mr.Data = d.raw
	var complete []int
	for i := range in.Subjects {
		if finiteRow(d.tested[i]) {
			complete = append(complete, i)
			mr.CompleteSubjects = append(mr.CompleteSubjects, in.Subjects[i])
		}
	}
	all := make([]int, len(in.Subjects))
	for i := range all {
		all[i] = i
	}
	for j, c := range in.Conditions {
		mr.All = append(mr.All, cell(in.Subjects, c, j, all, d))
		mr.Complete = append(mr.Complete, cell(in.Subjects, c, j, complete, d))
	}
	mr.ANOVA = anova(in, d, complete, p.Interim)
	if !in.Blinded {
		mr.Comparisons = compare(in, d, p.Interim)
	}
	return mr, notes
}

// collect gathers a measure's values, transforms them for the tests, and
// records why each missing one is missing.
func collect(in Input, t sessionTable, p Progress, m Measure, tr analysis.Transform) (measureData, []string) {
	n, k := len(in.Subjects), len(in.Conditions)
	d := measureData{raw: make([][]float64, n), tested: make([][]float64, n), why: make([][]string, n)}
	var notes []string
	for i, s := range in.Subjects {
		d.raw[i], d.tested[i], d.why[i] = make([]float64, k), make([]float64, k), make([]string, k)
		for j, c := range in.Conditions {
			v := math.NaN()
			if sess, ok := t.completed[[2]string{s, c.ID}]; ok {
				v = sess.value(m.Key)
			}
			d.raw[i][j], d.tested[i][j] = v, v
			switch {
			case math.IsNaN(v):
				d.why[i][j] = lacking(t, p, s, c, m)
			case math.IsInf(v, 0):
				d.raw[i][j], d.tested[i][j] = math.NaN(), math.NaN()
				d.why[i][j] = fmt.Sprintf("%s under %s is recorded as %v", m.Name, c.Label, v)
				notes = append(notes, fmt.Sprintf("%s: %s", s, d.why[i][j]))
			default:
				x, err := tr.Apply(v)
				if err != nil {
					d.why[i][j] = fmt.Sprintf("%s under %s cannot be transformed: %v", m.Name, c.Label, err)
					notes = append(notes, fmt.Sprintf("%s: %s; left out of the tests", s, d.why[i][j]))
				}
				d.tested[i][j] = x
			}
		}
	}
	return d, notes
}

// cell is condition j's descriptives over the subjects at rows.
func cell(subjects []string, c Condition, j int, rows []int, d measureData) Cell {
	var xs []float64
	out := Cell{Condition: c.Label}
	for _, i := range rows {
		if v := d.raw[i][j]; !math.IsNaN(v) {
			xs = append(xs, v)
		} else {
			out.Lacking = append(out.Lacking, Dropped{subjects[i], d.why[i][j]})
		}
	}
	out.N = len(xs)
	out.Mean, out.SD, out.SEM, out.CI95 = analysis.Mean(xs), analysis.SD(xs), analysis.SEM(xs), analysis.CI95(xs)
	return out
}

func finiteRow(row []float64) bool {
	for _, v := range row {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return len(row) > 0
}

// anova runs the repeated-measures ANOVA on the complete cases and names
// the rats left out.
func anova(in Input, d measureData, complete []int, interim bool) ANOVAResult {
	r := ANOVAResult{Verdict: Verdict{Interim: interim}}
	in2 := map[int]bool{}
	var rows [][]float64
	for _, i := range complete {
		in2[i] = true
		rows = append(rows, d.tested[i])
		r.Subjects = append(r.Subjects, in.Subjects[i])
	}
	for i, s := range in.Subjects {
		if !in2[i] {
			r.Dropped = append(r.Dropped, Dropped{s, whyMissing(d.why[i], d.tested[i])})
		}
	}
	switch {
	case len(in.Conditions) < 2:
		r.Status, r.Reason = analysis.Undefined, "the study has fewer than two conditions: there is nothing to compare"
		return r
	case len(rows) < 2:
		r.Status, r.Reason = analysis.Undefined, fmt.Sprintf("%s a value under every condition; the ANOVA needs at least 2", rats(len(rows)))
		return r
	}
	a, err := analysis.RepeatedMeasures(rows)
	if err != nil { // complete cases are checked above; this is a defect
		r.Status, r.Reason = analysis.Undefined, err.Error()
		return r
	}
	r.Ran, r.Test, r.Status, r.Reason = true, a, a.Status, a.Reason
	return r
}

// compare tests each condition after the first against the first on the
// rats that have both, then Holm-adjusts the p-values that exist.
func compare(in Input, d measureData, interim bool) []Comparison {
	var out []Comparison
	var ps []float64
	var idx []int
	for j := 1; j < len(in.Conditions); j++ {
		c := Comparison{Condition: in.Conditions[j].Label, Reference: in.Conditions[0].Label, Verdict: Verdict{Interim: interim}}
		var ref, x []float64
		for i, s := range in.Subjects {
			a, b := d.tested[i][0], d.tested[i][j]
			if math.IsNaN(a) || math.IsNaN(b) {
				c.Dropped = append(c.Dropped, Dropped{s, whyMissing([]string{d.why[i][0], d.why[i][j]}, []float64{a, b})})
				continue
			}
			ref, x = append(ref, a), append(x, b)
			c.Subjects = append(c.Subjects, s)
		}
		if len(ref) < 2 {
			c.Status, c.Reason = analysis.Undefined, fmt.Sprintf("%s values under both %s and %s; a paired t-test needs at least 2",
				rats(len(ref)), c.Reference, c.Condition)
			out = append(out, c)
			continue
		}
		tt, err := analysis.PairedT(ref, x)
		if err != nil {
			c.Status, c.Reason = analysis.Undefined, err.Error()
			out = append(out, c)
			continue
		}
		c.Ran, c.Test, c.Status, c.Reason = true, tt, tt.Status, tt.Reason
		out = append(out, c)
		if !math.IsNaN(tt.P) {
			ps, idx = append(ps, tt.P), append(idx, len(out)-1)
		}
	}
	for n, p := range analysis.Holm(ps) {
		out[idx[n]].Test.PHolm = p
	}
	for i := range out {
		if !out[i].Ran || math.IsNaN(out[i].Test.P) {
			out[i].Test.PHolm = math.NaN()
		}
	}
	return out
}

// whyMissing joins the reasons for the missing values.
func whyMissing(why []string, vals []float64) string {
	var out []string
	for j, v := range vals {
		if math.IsNaN(v) && why[j] != "" {
			out = append(out, why[j])
		}
	}
	if len(out) == 0 {
		return "no value"
	}
	return strings.Join(out, "; ")
}

// rats is "no rat has", "only 1 rat has", "only 3 rats have".
func rats(n int) string {
	switch n {
	case 0:
		return "no rat has"
	case 1:
		return "only 1 rat has"
	}
	return fmt.Sprintf("only %d rats have", n)
}
