package report

import (
	"encoding/json"
	"io"
	"math"
	"strconv"

	"github.com/fivechoice/fivechoice/analysis"
)

// num is a statistic in JSON: a number when finite, the string "infinite"
// or "-infinite" when infinite, null when undefined (the enclosing test's
// "reason" then says why). See docs/report.md.
type num float64

func (x num) MarshalJSON() ([]byte, error) {
	f := float64(x)
	switch {
	case math.IsNaN(f):
		return []byte("null"), nil
	case math.IsInf(f, 1):
		return []byte(`"infinite"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-infinite"`), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

type jsonDropped struct {
	Subject string `json:"subject"`
	Reason  string `json:"reason"`
}

type jsonCell struct {
	Condition string        `json:"condition"`
	N         int           `json:"n"`
	Mean      num           `json:"mean"`
	SD        num           `json:"sd"`
	SEM       num           `json:"sem"`
	CI95      num           `json:"ci95_half_width"`
	Lacking   []jsonDropped `json:"lacking"`
}

type jsonTransform struct {
	Name      analysis.Transform `json:"name"`
	Formula   string             `json:"formula"`
	Reference string             `json:"reference,omitempty"`
}

type jsonVerdict struct {
	Interim   bool               `json:"interim"`
	Status    string             `json:"status"`
	Reason    string             `json:"reason,omitempty"`
	Transform analysis.Transform `json:"transform"`
	Subjects  []string           `json:"subjects"`
	Dropped   []jsonDropped      `json:"dropped"`
}

type jsonANOVA struct {
	jsonVerdict
	N            int `json:"n"`
	K            int `json:"k"`
	F            num `json:"f"`
	DF1          num `json:"df1"`
	DF2          num `json:"df2"`
	P            num `json:"p"`
	SSConditions num `json:"ss_conditions"`
	SSSubjects   num `json:"ss_subjects"`
	SSError      num `json:"ss_error"`
	EpsilonGG    num `json:"gg_epsilon"`
	GGDF1        num `json:"gg_df1"`
	GGDF2        num `json:"gg_df2"`
	PGG          num `json:"gg_p"`
	EpsilonHF    num `json:"hf_epsilon"`
	PHF          num `json:"hf_p"`
}

type jsonComparison struct {
	Condition string `json:"condition"`
	Reference string `json:"reference"`
	jsonVerdict
	N        int `json:"n"`
	MeanDiff num `json:"mean_diff"`
	SE       num `json:"se"`
	T        num `json:"t"`
	DF       num `json:"df"`
	P        num `json:"p"`
	PHolm    num `json:"p_holm"`
	DZ       num `json:"dz"`
}

// JSON writes the report as JSON, in the layout docs/report.md describes.
func (r Report) JSON(w io.Writer) error {
	status := "final"
	if r.Interim() {
		status = "interim"
	}
	var missing []string
	for _, p := range r.Progress.Pending {
		missing = append(missing, p.String())
	}
	var measures []any
	for _, m := range r.Measures {
		measures = append(measures, jsonMeasure(m))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"study": r.Study, "status": status, "blinded": r.Blinded, "conditions": r.Conditions, "subjects": r.Subjects,
		"progress": jsonProgress(r.Progress), "missing": nonNil(missing), "notes": nonNil(r.Notes), "measures": measures,
	})
}

func jsonProgress(p Progress) map[string]any {
	type pending struct {
		Subject   string `json:"subject"`
		Day       int    `json:"day,omitempty"`
		Condition string `json:"condition"`
		Date      string `json:"planned_date,omitempty"`
		State     string `json:"state"`
		EndReason string `json:"end_reason,omitempty"`
		Session   string `json:"session,omitempty"`
	}
	list := []pending{}
	for _, d := range p.Pending {
		list = append(list, pending(d))
	}
	return map[string]any{"test_days_planned": p.Planned, "test_days_done": p.Done, "pending": list}
}

func jsonMeasure(m MeasureReport) map[string]any {
	a, t := m.ANOVA.Test, m.ANOVA
	ja := jsonANOVA{jsonVerdict: verdictJSON(t.Verdict, m.Transform), N: a.N, K: a.K,
		F: num(a.F), DF1: num(a.DF1), DF2: num(a.DF2), P: num(a.P),
		SSConditions: num(a.SSConditions), SSSubjects: num(a.SSSubjects), SSError: num(a.SSError),
		EpsilonGG: num(a.EpsilonGG), GGDF1: num(a.DF1 * a.EpsilonGG), GGDF2: num(a.DF2 * a.EpsilonGG), PGG: num(a.PGG),
		EpsilonHF: num(a.EpsilonHF), PHF: num(a.PHF)}
	if !t.Ran {
		ja = jsonANOVA{jsonVerdict: ja.jsonVerdict}
		nanAll(&ja.F, &ja.DF1, &ja.DF2, &ja.P, &ja.SSConditions, &ja.SSSubjects, &ja.SSError,
			&ja.EpsilonGG, &ja.GGDF1, &ja.GGDF2, &ja.PGG, &ja.EpsilonHF, &ja.PHF)
	}
	cmps := []jsonComparison{}
	for _, c := range m.Comparisons {
		tt := c.Test
		jc := jsonComparison{Condition: c.Condition, Reference: c.Reference, jsonVerdict: verdictJSON(c.Verdict, m.Transform),
			N: tt.N, MeanDiff: num(tt.MeanDiff), SE: num(tt.SE), T: num(tt.T), DF: num(tt.DF), P: num(tt.P), PHolm: num(tt.PHolm), DZ: num(tt.DZ)}
		if !c.Ran {
			nanAll(&jc.MeanDiff, &jc.SE, &jc.T, &jc.DF, &jc.P, &jc.PHolm, &jc.DZ)
		}
		cmps = append(cmps, jc)
	}
	return map[string]any{
		"key": m.Key, "name": m.Name, "kind": m.Kind,
		"transform": jsonTransform{m.Transform, m.Transform.Formula(), m.Transform.Reference()},
		"descriptives": map[string]any{
			"all_sessions":   map[string]any{"conditions": cellsJSON(m.All)},
			"complete_cases": map[string]any{"subjects": nonNil(m.CompleteSubjects), "conditions": cellsJSON(m.Complete)},
		},
		"anova": ja, "vs_reference": cmps,
	}
}

func verdictJSON(v Verdict, tr analysis.Transform) jsonVerdict {
	return jsonVerdict{Interim: v.Interim, Status: v.Status.String(), Reason: v.Reason, Transform: tr,
		Subjects: nonNil(v.Subjects), Dropped: droppedJSON(v.Dropped)}
}

func cellsJSON(cells []Cell) []jsonCell {
	out := []jsonCell{}
	for _, c := range cells {
		out = append(out, jsonCell{c.Condition, c.N, num(c.Mean), num(c.SD), num(c.SEM), num(c.CI95), droppedJSON(c.Lacking)})
	}
	return out
}

func droppedJSON(d []Dropped) []jsonDropped {
	out := []jsonDropped{}
	for _, x := range d {
		out = append(out, jsonDropped(x))
	}
	return out
}

func nanAll(xs ...*num) {
	for _, x := range xs {
		*x = num(math.NaN())
	}
}

// nonNil makes an empty list [] rather than null in JSON.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
