package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/analysis"
)

// An Input is everything the report needs from storage: the study, its
// plan and all its sessions, whatever their state.
type Input struct {
	Study   string
	Blinded bool // the study is blind and not yet unblinded
	// Conditions in the order of the report: the reference (vehicle)
	// first, then by drug and dose; codes while blinded.
	Conditions []Condition
	Subjects   []string
	// Plan is every planned test day. Without one (nil), every subject is
	// expected to have every condition once.
	Plan     []PlanDay
	Sessions []Session
}

// A PlanDay is one subject's planned test day (storage.PlanDay).
type PlanDay struct {
	Subject   string
	Day       int    // 1 for the first test day
	Condition string // Condition.ID
	Date      string // planned, YYYY-MM-DD
}

// A SessionState is where a study session stands for the report.
type SessionState string

// Session states.
const (
	// Completed: ended by its trial or time limit (end_reason max_trials
	// or time_limit); the only sessions whose measures count.
	Completed SessionState = "completed"
	// Running: status running; its test day is pending.
	Running SessionState = "running"
	// EndedEarly: stopped, aborted or interrupted (EndReason says which);
	// the test day has to be run again.
	EndedEarly SessionState = "ended_early"
)

// A Session is one session of the study.
type Session struct {
	ID        string
	Subject   string
	Condition string // Condition.ID
	Day       int    // study day (sessions.study_day), 0 if not recorded
	State     SessionState
	EndReason string // for EndedEarly: stopped, aborted or interrupted
	StartedAt time.Time
	// Values are the session's measures by Measure.Key, for Completed
	// sessions; a missing key or NaN is a measure the session does not
	// define (accuracy without a single correct or incorrect trial).
	Values map[string]float64
}

// Options choose how the tests are done.
type Options struct {
	// Transforms by Measure.Key; a measure not listed is not transformed.
	Transforms map[string]analysis.Transform
}

// ConventionalTransforms is the square root for counts of events and the
// arcsine square root for percentages (each Measure's Conventional), as
// many 5-CSRTT papers do before the ANOVA.
func ConventionalTransforms() map[string]analysis.Transform {
	out := map[string]analysis.Transform{}
	for _, m := range Measures {
		if m.Conventional != analysis.NoTransform {
			out[m.Key] = m.Conventional
		}
	}
	return out
}

// ParseTransforms reads a --transform flag: "none", "conventional" (see
// ConventionalTransforms), or a comma-separated list of measure=transform
// such as "premature=sqrt,accuracy_pct=arcsine". A transform that does not
// suit the measure's kind (arcsine on a count) is refused, because it
// would fail on the first value outside [0, 100] or mean nothing.
func ParseTransforms(s string) (map[string]analysis.Transform, error) {
	switch strings.TrimSpace(s) {
	case "", "none":
		return map[string]analysis.Transform{}, nil
	case "conventional":
		return ConventionalTransforms(), nil
	}
	out := map[string]analysis.Transform{}
	for _, part := range strings.Split(s, ",") {
		key, name, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("transform %q: want none, conventional or measure=transform", part)
		}
		m, found := measureByKey(key)
		if !found {
			return nil, fmt.Errorf("transform %q: no measure %q", part, key)
		}
		t, err := analysis.ParseTransform(name)
		if err != nil {
			return nil, fmt.Errorf("transform of %s: %w", key, err)
		}
		if (t == analysis.SqrtCount && m.Kind != Count) || (t == analysis.ArcsineSqrtPercent && m.Kind != Percent) {
			return nil, fmt.Errorf("transform %q: %s is a %s measure", part, key, m.Kind)
		}
		out[key] = t
	}
	return out, nil
}

func measureByKey(key string) (Measure, bool) {
	for _, m := range Measures {
		if m.Key == key {
			return m, true
		}
	}
	return Measure{}, false
}

// A Row is one subject's completed session under one condition, with its
// measures (NaN where a measure is undefined).
type Row struct {
	Subject   string
	Condition string
	Values    map[string]float64
}

// Build computes the report from completed sessions alone, without a plan:
// every subject is expected to have every condition. It is what the
// command line fed before the report knew about running sessions and the
// plan; new callers use Compute.
func Build(name string, conds []Condition, subjects []string, rows []Row, blinded bool) Report {
	in := Input{Study: name, Blinded: blinded, Conditions: conds, Subjects: subjects}
	for i, r := range rows {
		in.Sessions = append(in.Sessions, Session{ID: fmt.Sprintf("row %d", i+1), Subject: r.Subject, Condition: r.Condition,
			State: Completed, Values: r.Values})
	}
	return Compute(in, Options{})
}

// value is a session's value of a measure, NaN when it has none.
func (s Session) value(key string) float64 {
	if v, ok := s.Values[key]; ok {
		return v
	}
	return math.NaN()
}
