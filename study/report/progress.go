package report

import (
	"fmt"
	"slices"
	"strings"
)

// Progress is how far the study has got. A study with any test day
// pending is interim: its tests are computed on the rats so far and will
// change.
type Progress struct {
	Interim bool
	Planned int // test days planned (subjects × conditions without a plan)
	Done    int // of them with a completed session
	// Pending are the test days without a completed session, by subject
	// and day.
	Pending []Pending
}

// A Pending is a test day without a completed session.
type Pending struct {
	Subject   string
	Day       int    // 0 without a plan
	Condition string // label
	Date      string // planned, YYYY-MM-DD; "" without a plan
	// State is "running", "ended early" or "not run".
	State     string
	EndReason string // for "ended early": stopped, aborted or interrupted
	Session   string // the running or ended session's ID
}

// String is the pending day for people: "R04 day 3 (atx-1.0, planned
// 2026-03-02): running now (session 0190…)".
func (p Pending) String() string {
	var b strings.Builder
	b.WriteString(p.Subject)
	if p.Day > 0 {
		fmt.Fprintf(&b, " day %d", p.Day)
	}
	fmt.Fprintf(&b, " (%s", p.Condition)
	if p.Date != "" {
		fmt.Fprintf(&b, ", planned %s", p.Date)
	}
	b.WriteString("): ")
	switch p.State {
	case "running":
		fmt.Fprintf(&b, "running now (session %s)", p.Session)
	case "ended early":
		fmt.Fprintf(&b, "ended early, %s (session %s); to be run again", p.EndReason, p.Session)
	default:
		b.WriteString("not run yet")
	}
	return b.String()
}

// sessionTable is the study's sessions sorted out: the completed session
// that counts for each subject × condition, and what else there is.
type sessionTable struct {
	completed map[[2]string]Session // by subject, condition ID
	running   map[[2]string]Session
	ended     map[[2]string]Session // the latest ended early
	notes     []string
}

// sortSessions files the sessions by subject and condition. The first
// completed session (by start) of a subject under a condition counts; a
// later one is noted and not used, because a test day run twice is a
// protocol deviation the lab must see, not average away.
func sortSessions(in Input) sessionTable {
	t := sessionTable{completed: map[[2]string]Session{}, running: map[[2]string]Session{}, ended: map[[2]string]Session{}}
	known := map[string]bool{}
	for _, c := range in.Conditions {
		known["c:"+c.ID] = true
	}
	for _, s := range in.Subjects {
		known["s:"+s] = true
	}
	sessions := slices.Clone(in.Sessions)
	slices.SortStableFunc(sessions, func(a, b Session) int { return a.StartedAt.Compare(b.StartedAt) })
	for _, s := range sessions {
		k := [2]string{s.Subject, s.Condition}
		if !known["s:"+s.Subject] || !known["c:"+s.Condition] {
			t.notes = append(t.notes, fmt.Sprintf("session %s (%s under %s) is not part of the study's subjects and conditions; it is left out", s.ID, s.Subject, s.Condition))
			continue
		}
		switch s.State {
		case Completed:
			if first, dup := t.completed[k]; dup {
				t.notes = append(t.notes, fmt.Sprintf("%s has more than one completed session under %s; the first (session %s) is used, session %s is not",
					s.Subject, label(in.Conditions, s.Condition), first.ID, s.ID))
				continue
			}
			t.completed[k] = s
		case Running:
			t.running[k] = s
		default:
			t.ended[k] = s
		}
	}
	return t
}

// progress lists the planned test days without a completed session.
func progress(in Input, t sessionTable) Progress {
	plan := in.Plan
	if len(plan) == 0 {
		for _, s := range in.Subjects {
			for _, c := range in.Conditions {
				plan = append(plan, PlanDay{Subject: s, Condition: c.ID})
			}
		}
	}
	p := Progress{Planned: len(plan)}
	for _, d := range plan {
		k := [2]string{d.Subject, d.Condition}
		if _, ok := t.completed[k]; ok {
			p.Done++
			continue
		}
		pd := Pending{Subject: d.Subject, Day: d.Day, Condition: label(in.Conditions, d.Condition), Date: d.Date, State: "not run"}
		if s, ok := t.running[k]; ok {
			pd.State, pd.Session = "running", s.ID
		} else if s, ok := t.ended[k]; ok {
			pd.State, pd.Session, pd.EndReason = "ended early", s.ID, s.EndReason
		}
		p.Pending = append(p.Pending, pd)
	}
	p.Interim = len(p.Pending) > 0 || len(t.running) > 0
	return p
}

// lacking says why subject has no value under condition c for a measure.
func lacking(t sessionTable, p Progress, subject string, c Condition, m Measure) string {
	if _, ok := t.completed[[2]string{subject, c.ID}]; ok {
		return fmt.Sprintf("%s is undefined under %s (the session had nothing to compute it from)", strings.ToLower(m.Name), c.Label)
	}
	for _, d := range p.Pending {
		if d.Subject == subject && d.Condition == c.Label {
			switch d.State {
			case "running":
				return fmt.Sprintf("%s is running now", c.Label)
			case "ended early":
				return fmt.Sprintf("%s ended early (%s) and is to be run again", c.Label, d.EndReason)
			}
			if d.Date != "" {
				return fmt.Sprintf("%s not run yet (planned %s)", c.Label, d.Date)
			}
			return fmt.Sprintf("%s not run yet", c.Label)
		}
	}
	return fmt.Sprintf("no completed session under %s", c.Label)
}

func label(conds []Condition, id string) string {
	for _, c := range conds {
		if c.ID == id {
			return c.Label
		}
	}
	return id
}
