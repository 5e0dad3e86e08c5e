package training

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
)

// A Session is one of a rat's sessions at a stage, as the programme sees it.
type Session struct {
	ID        string
	EndReason string // only sessions that ended by themselves count
	Summary   protocols.Summary
	Magazine  *MagazineResult // a magazine-training session's own figures
}

// MagazineResult is what a magazine-training session measures.
type MagazineResult struct {
	Pellets     int           // pellets collected
	LatencyMean time.Duration // mean time from delivery to collection
}

// Counts reports whether a session counts towards a criterion: it ended
// by itself (its trial or time limit), not stopped, aborted or
// interrupted, whose figures say nothing about the rat.
func (s Session) Counts() bool {
	return s.EndReason == protocols.EndMaxTrials || s.EndReason == protocols.EndTimeLimit
}

// Measures are what criteria may name, read from a session.
var Measures = map[string]func(Session) (float64, bool){
	"correct":                 count(func(c protocols.Counters) int { return c.Correct }),
	"incorrect":               count(func(c protocols.Counters) int { return c.Incorrect }),
	"omissions":               count(func(c protocols.Counters) int { return c.Omissions }),
	"premature":               count(func(c protocols.Counters) int { return c.Premature }),
	"perseverative":           count(func(c protocols.Counters) int { return c.Perseverative }),
	"trials_scored":           count(func(c protocols.Counters) int { return c.TrialsScored }),
	"accuracy_pct":            pct(func(m protocols.Measures) *float64 { return m.AccuracyPct }),
	"omissions_pct":           pct(func(m protocols.Measures) *float64 { return m.OmissionsPct }),
	"correct_pct":             pct(func(m protocols.Measures) *float64 { return m.CorrectPct }),
	"premature_pct":           pct(func(m protocols.Measures) *float64 { return m.PrematurePct }),
	"correct_latency_mean_ms": pct(func(m protocols.Measures) *float64 { return m.CorrectLatencyMeanMs }),
	"pellets_collected": func(s Session) (float64, bool) {
		if s.Magazine == nil {
			return 0, false
		}
		return float64(s.Magazine.Pellets), true
	},
	"collection_latency_mean_s": func(s Session) (float64, bool) {
		if s.Magazine == nil || s.Magazine.Pellets == 0 {
			return 0, false
		}
		return s.Magazine.LatencyMean.Seconds(), true
	},
}

func count(f func(protocols.Counters) int) func(Session) (float64, bool) {
	return func(s Session) (float64, bool) { return float64(f(s.Summary.Counters)), true }
}

func pct(f func(protocols.Measures) *float64) func(Session) (float64, bool) {
	return func(s Session) (float64, bool) {
		if v := f(s.Summary.Measures); v != nil {
			return *v, true
		}
		return 0, false
	}
}

// MeasureNames lists Measures, sorted.
func MeasureNames() []string {
	var out []string
	for k := range Measures {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Actions a Decision takes.
const (
	Stay     = "stay"
	Advance  = "advance"
	FallBack = "fall_back"
)

// A Decision is what the programme does after a session, and why.
type Decision struct {
	Action string
	To     string // the stage the rat is at afterwards
	Reason string // which sessions met which criteria, or what the last one missed
}

// Decide is the programme's decision for a rat at stage index at, given
// its sessions at that stage in order (all of them: those that do not
// count are skipped here). It is a pure function of its arguments, so a
// stage change can be recomputed from the stored sessions.
func (p Programme) Decide(at int, sessions []Session) Decision {
	st := p.Stages[at]
	var counted []Session
	for _, s := range sessions {
		if s.Counts() {
			counted = append(counted, s)
		}
	}
	if ids, ok := lastMeeting(counted, st.Advance, st.Sessions); ok {
		to := st.Name
		if at+1 < len(p.Stages) {
			to = p.Stages[at+1].Name
		}
		return Decision{Action: Advance, To: to, Reason: fmt.Sprintf("sessions %s met %s", strings.Join(ids, ", "), list(st.Advance))}
	}
	if len(st.FallBack) > 0 && at > 0 {
		if ids, ok := lastMeeting(counted, st.FallBack, st.FallBackSessions); ok {
			return Decision{Action: FallBack, To: p.Stages[at-1].Name, Reason: fmt.Sprintf("sessions %s met the fall-back criteria %s", strings.Join(ids, ", "), list(st.FallBack))}
		}
	}
	reason := "no session that counts yet"
	if n := len(counted); n > 0 {
		missed := unmet(counted[n-1], st.Advance)
		if len(missed) == 0 {
			reason = fmt.Sprintf("the last session met %s: %d of %d consecutive sessions", list(st.Advance), streak(counted, st.Advance), st.Sessions)
		} else {
			reason = fmt.Sprintf("the last session missed %s", strings.Join(missed, ", "))
		}
	}
	return Decision{Action: Stay, To: st.Name, Reason: reason}
}

// lastMeeting: the last k counted sessions all meet every criterion.
func lastMeeting(counted []Session, cs []Criterion, k int) ([]string, bool) {
	if k < 1 || len(counted) < k {
		return nil, false
	}
	var ids []string
	for _, s := range counted[len(counted)-k:] {
		if len(unmet(s, cs)) > 0 {
			return nil, false
		}
		ids = append(ids, s.ID)
	}
	return ids, true
}

func streak(counted []Session, cs []Criterion) int {
	n := 0
	for i := len(counted) - 1; i >= 0 && len(unmet(counted[i], cs)) == 0; i-- {
		n++
	}
	return n
}

// unmet lists the criteria a session misses, with its value.
func unmet(s Session, cs []Criterion) []string {
	var out []string
	for _, c := range cs {
		v, ok := Measures[c.Measure](s)
		if !c.Met(v, ok) {
			if ok {
				out = append(out, fmt.Sprintf("%s (%.4g)", c, v))
			} else {
				out = append(out, fmt.Sprintf("%s (undefined)", c))
			}
		}
	}
	return out
}

func list(cs []Criterion) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.String()
	}
	return strings.Join(slices.Clip(s), ", ")
}
