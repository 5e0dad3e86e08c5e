// Package report turns a study's sessions into its per-condition results:
// descriptives, a repeated-measures ANOVA per measure, each dose against
// vehicle, and figures, as Markdown, CSV (tidy, long and wide) or JSON.
//
// Every table and test names the rats it uses. Descriptives come twice:
// over every rat with a value under a condition ("all sessions") and over
// the complete cases, the rats with a value under every condition, which
// are the rats of the ANOVA. A comparison of a dose with vehicle uses every
// rat that has both, not only the complete cases. A study that is not
// finished (test days not run, a session running) is reported as interim,
// and every test in it says so. See docs/report.md for the JSON and CSV
// layouts.
package report

import (
	"github.com/fivechoice/fivechoice/analysis"
)

// A Kind is what a measure counts, which decides its conventional
// transform and whether its axis starts at zero.
type Kind string

// Kinds of measures.
const (
	Percent Kind = "percent" // 0-100; arcsine-square-root transform
	Count   Kind = "count"   // events per session; square-root transform
	Latency Kind = "latency" // milliseconds; not transformed
)

// A Measure is one dependent variable of the report.
type Measure struct {
	Key  string `json:"key"`  // the column of session_measures
	Name string `json:"name"` // for people
	Kind Kind   `json:"kind"`
	// Conventional is the transform ConventionalTransforms picks for it.
	Conventional analysis.Transform `json:"-"`
}

// Measures are the report's dependent variables, in the order labs report
// them.
var Measures = []Measure{
	{"accuracy_pct", "Accuracy (%)", Percent, analysis.ArcsineSqrtPercent},
	{"omissions_pct", "Omissions (%)", Percent, analysis.ArcsineSqrtPercent},
	{"correct_pct", "Correct (%)", Percent, analysis.ArcsineSqrtPercent},
	{"premature", "Premature responses", Count, analysis.SqrtCount},
	{"perseverative", "Perseverative responses", Count, analysis.SqrtCount},
	{"timeout_responses", "Time-out responses", Count, analysis.SqrtCount},
	// Trials completed is a count capped by the session's trial limit,
	// not a Poisson count: it is left untransformed.
	{"trials_scored", "Trials completed", Count, analysis.NoTransform},
	{"correct_latency_mean_ms", "Correct latency (ms)", Latency, analysis.NoTransform},
	{"reward_latency_mean_ms", "Reward latency (ms)", Latency, analysis.NoTransform},
}

// A Condition is a column of the report.
type Condition struct {
	ID    string   `json:"id"`
	Drug  string   `json:"drug,omitempty"`
	Dose  *float64 `json:"dose_mg_per_kg,omitempty"` // nil while blinded
	Label string   `json:"label"`                    // for tables and plots
}

// A Report is a study's per-condition results.
type Report struct {
	Study      string
	Blinded    bool // conditions are still codes: no comparison with the reference
	Conditions []Condition
	Subjects   []string
	Progress   Progress
	Notes      []string
	Measures   []MeasureReport
}

// Interim is whether the study is unfinished, so that every test is an
// interim result.
func (r Report) Interim() bool { return r.Progress.Interim }

// A MeasureReport is everything the report says about one measure.
type MeasureReport struct {
	Measure
	// Transform is applied to the values before the ANOVA and the
	// comparisons; descriptives are in the measure's own units.
	Transform analysis.Transform
	// All: each condition over every rat with a value under it.
	All []Cell
	// Complete: each condition over the complete cases (CompleteSubjects),
	// the rats of the ANOVA.
	Complete         []Cell
	CompleteSubjects []string
	ANOVA            ANOVAResult
	// Comparisons are each condition after the first against the first
	// (vehicle), Holm-adjusted together; none while blinded.
	Comparisons []Comparison
	// Data[i][j] is subject Subjects[i]'s value under condition j in the
	// measure's units, NaN where there is none: the points of the figures
	// and the rows of the long and wide CSV files.
	Data [][]float64
}

// A Cell is one condition's descriptives for one measure.
type Cell struct {
	Condition string // label
	N         int
	Mean, SD  float64
	SEM, CI95 float64 // CI95 is the half-width: mean ± CI95
	// Lacking are the study's rats without a value here, with the reason.
	Lacking []Dropped
}

// A Dropped is a rat left out of a table or test, and why.
type Dropped struct {
	Subject string
	Reason  string
}

// A Verdict is whether a test could be done and what its statistic is.
// Reason says why in words when Status is not analysis.Computed, including
// when the test could not be run at all (too few rats), which is
// analysis.Undefined too.
type Verdict struct {
	Status analysis.Status
	Reason string
	// Interim: the study is unfinished, so this is an interim result.
	Interim bool
	// Subjects are the rats the test used; Dropped the study's other rats
	// and why they were left out.
	Subjects []string
	Dropped  []Dropped
}

// An ANOVAResult is the repeated-measures ANOVA of one measure on the
// complete cases. Ran is false when it could not be run (Test is then
// zero and Verdict says why).
type ANOVAResult struct {
	Verdict
	Ran  bool
	Test analysis.ANOVA
}

// A Comparison is one condition against the reference by a paired t-test
// on every rat that has both, with its Holm-adjusted p in Test.PHolm.
type Comparison struct {
	Condition string // label
	Reference string // label
	Verdict
	Ran  bool
	Test analysis.TTest
}
