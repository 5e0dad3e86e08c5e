// Package training holds training programmes as data: the stages a rat
// goes through from naive to a stable baseline, each with its parameter set
// and its criteria to advance (and optionally to fall back), and the pure
// decision a programme makes from a rat's sessions at its stage. The same
// decision serves the lab and the simulated cohorts (simulate training),
// so a programme can be rehearsed on virtual rats before it is used.
package training

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/fivechoice/fivechoice/protocols"
)

// Magazine is the built-in magazine-training parameter set (spec section
// 8: pellets on a variable-time schedule, the magazine light on until each
// collection; protocols.ModeMagazine).
const Magazine = "magazine"

// A Lookup finds a parameter set by name: protocols.Lookup for the
// built-in sets, or one that also knows the lab's saved sets.
type Lookup func(name string) (protocols.Params, error)

// A Programme is an ordered list of stages; a rat starts at the first.
type Programme struct {
	Name   string  `json:"name" yaml:"name"`
	Stages []Stage `json:"stages" yaml:"stages"`
}

// A Stage is one step of a programme.
type Stage struct {
	Name string `json:"name" yaml:"name"`
	// Protocol is a built-in (or lab-saved) parameter set, or Magazine.
	Protocol string `json:"protocol" yaml:"protocol"`
	// Advance are criteria every one of which a session must meet; the rat
	// moves on after Sessions consecutive sessions meeting them all.
	Advance  []Criterion `json:"advance" yaml:"advance"`
	Sessions int         `json:"sessions" yaml:"sessions"`
	// FallBack, if given, moves the rat back one stage after
	// FallBackSessions consecutive sessions meeting them all.
	FallBack         []Criterion `json:"fall_back,omitempty" yaml:"fall_back"`
	FallBackSessions int         `json:"fall_back_sessions,omitempty" yaml:"fall_back_sessions"`
}

// A Criterion compares one session measure with a value: "correct >= 30",
// "accuracy_pct > 80", "omissions_pct < 20".
type Criterion struct {
	Measure string  `json:"measure"`
	Op      string  `json:"op"`
	Value   float64 `json:"value"`
}

func (c Criterion) String() string {
	return fmt.Sprintf("%s %s %s", c.Measure, c.Op, strconv.FormatFloat(c.Value, 'f', -1, 64))
}

// ParseCriterion reads "measure op value".
func ParseCriterion(s string) (Criterion, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return Criterion{}, fmt.Errorf("criterion %q: want MEASURE OP VALUE, e.g. \"accuracy_pct > 80\"", s)
	}
	c := Criterion{Measure: f[0], Op: f[1]}
	if _, ok := Measures[c.Measure]; !ok {
		return c, fmt.Errorf("criterion %q: unknown measure %q (known: %s)", s, c.Measure, strings.Join(MeasureNames(), ", "))
	}
	if !slices.Contains([]string{">=", ">", "<=", "<"}, c.Op) {
		return c, fmt.Errorf("criterion %q: unknown comparison %q (>=, >, <=, <)", s, c.Op)
	}
	v, err := strconv.ParseFloat(f[2], 64)
	if err != nil || v != v || math.IsInf(v, 0) {
		return c, fmt.Errorf("criterion %q: %q is not a number", s, f[2])
	}
	switch {
	case strings.HasSuffix(c.Measure, "_pct") && (v < 0 || v > 100):
		return c, fmt.Errorf("criterion %q: %s is a percentage, 0 to 100", s, c.Measure)
	case v < 0:
		return c, fmt.Errorf("criterion %q: %s is never negative", s, c.Measure)
	}
	c.Value = v
	return c, nil
}

// Met says whether a session's value meets the criterion; an undefined
// value (no trial to make a percentage of) meets none.
func (c Criterion) Met(v float64, defined bool) bool {
	if !defined {
		return false
	}
	switch c.Op {
	case ">=":
		return v >= c.Value
	case ">":
		return v > c.Value
	case "<=":
		return v <= c.Value
	case "<":
		return v < c.Value
	}
	return false
}

// Builtin is the 5-CSRTT programme of the spec (section 8): magazine
// training, stages 1-7 and baseline, each advanced on two consecutive
// sessions meeting its criteria; baseline is reached when it is stable.
func Builtin() Programme {
	c := func(s string) Criterion {
		cr, err := ParseCriterion(s)
		if err != nil {
			panic(err)
		}
		return cr
	}
	accurate := []Criterion{c("correct >= 50"), c("accuracy_pct > 80"), c("omissions_pct < 20")}
	return Programme{Name: "5csrtt", Stages: []Stage{
		{Name: "magazine", Protocol: Magazine, Sessions: 1, Advance: []Criterion{c("pellets_collected >= 30"), c("collection_latency_mean_s < 5")}},
		{Name: "stage1", Protocol: "stage1", Sessions: 2, Advance: []Criterion{c("correct >= 30")}},
		{Name: "stage2", Protocol: "stage2", Sessions: 2, Advance: []Criterion{c("correct >= 30")}},
		{Name: "stage3", Protocol: "stage3", Sessions: 2, Advance: []Criterion{c("correct >= 50")}},
		{Name: "stage4", Protocol: "stage4", Sessions: 2, Advance: []Criterion{c("correct >= 50")}},
		{Name: "stage5", Protocol: "stage5", Sessions: 2, Advance: []Criterion{c("correct >= 50"), c("accuracy_pct > 80")}},
		{Name: "stage6", Protocol: "stage6", Sessions: 2, Advance: accurate},
		{Name: "stage7", Protocol: "stage7", Sessions: 2, Advance: accurate},
		{Name: "baseline", Protocol: "baseline", Sessions: 2, Advance: []Criterion{c("accuracy_pct > 80"), c("omissions_pct < 20")},
			FallBack: []Criterion{c("accuracy_pct < 60")}, FallBackSessions: 2},
	}}
}

// Check refuses a programme that cannot run, naming the stage; its
// stages may name built-in parameter sets only.
func (p Programme) Check() error { return p.CheckWith(protocols.Lookup) }

// CheckWith is Check with the parameter sets lookup knows.
func (p Programme) CheckWith(lookup Lookup) error {
	probs := p.problems(lookup)
	if len(probs) == 0 {
		return nil
	}
	msgs := make([]string, len(probs))
	for i, pr := range probs {
		msgs[i] = pr.msg
	}
	return fmt.Errorf("programme %s: %s", p.Name, strings.Join(msgs, "; "))
}

// A problem is what is wrong with a programme, and the stage it is in (-1
// for the programme as a whole), so that a file's reader can name the line.
type problem struct {
	stage int
	msg   string
}

func (p Programme) problems(lookup Lookup) []problem {
	var out []problem
	if p.Name == "" {
		out = append(out, problem{-1, "name: missing"})
	}
	if len(p.Stages) == 0 {
		out = append(out, problem{-1, "stages: none"})
	}
	seen := map[string]bool{}
	for i, s := range p.Stages {
		at := fmt.Sprintf("stages[%d] (%s)", i, s.Name)
		bad := func(format string, a ...any) { out = append(out, problem{i, at + ": " + fmt.Sprintf(format, a...)}) }
		switch {
		case s.Name == "":
			bad("no name")
		case seen[s.Name]:
			bad("the name is used twice")
		}
		seen[s.Name] = true
		params, err := lookup(s.Protocol)
		if err != nil {
			bad("protocol: %v", err)
		}
		magazine := params.Mode == protocols.ModeMagazine
		if len(s.Advance) == 0 {
			bad("no criteria to advance (a stage nobody can leave; the last stage's criteria say when a baseline is stable)")
		}
		if s.Sessions < 1 || s.Sessions > 30 {
			bad("sessions %d: want 1 to 30 consecutive sessions", s.Sessions)
		}
		if len(s.FallBack) > 0 && i == 0 {
			bad("the first stage has nowhere to fall back to")
		}
		if len(s.FallBack) > 0 && (s.FallBackSessions < 1 || s.FallBackSessions > 30) {
			bad("fall_back_sessions %d: want 1 to 30", s.FallBackSessions)
		}
		if len(s.FallBack) == 0 && s.FallBackSessions != 0 {
			bad("fall_back_sessions without fall_back criteria")
		}
		for _, c := range append(slices.Clone(s.Advance), s.FallBack...) {
			magazineOnly := strings.HasPrefix(c.Measure, "pellets_") || strings.HasPrefix(c.Measure, "collection_")
			if err == nil && magazineOnly != magazine {
				bad("criterion %s does not apply to a %s stage", c, map[bool]string{true: "magazine", false: "task"}[magazine])
			}
		}
	}
	return out
}

// Stage returns the stage named name and its index.
func (p Programme) Stage(name string) (Stage, int, error) {
	for i, s := range p.Stages {
		if s.Name == name {
			return s, i, nil
		}
	}
	names := make([]string, len(p.Stages))
	for i, s := range p.Stages {
		names[i] = s.Name
	}
	return Stage{}, -1, fmt.Errorf("programme %s has no stage %q (stages: %s)", p.Name, name, strings.Join(names, ", "))
}
