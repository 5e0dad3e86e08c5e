package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"time"

	"github.com/fivechoice/fivechoice/controller"
)

// A Tile is what one chamber's tile shows: the grid renders it and the
// live stream sends it (as JSON) whenever it changes. It holds only what
// is on screen, so that a step that changes nothing visible sends nothing.
type Tile struct {
	Name    string `json:"name"`
	Backend string `json:"backend"`
	State   string `json:"state"` // idle, running, faulted, disabled
	Fault   string `json:"fault,omitempty"`

	Session   string `json:"session,omitempty"`
	Subject   string `json:"subject,omitempty"`
	Condition string `json:"condition,omitempty"` // a blinding code in a blind study
	Protocol  string `json:"protocol,omitempty"`
	Study     string `json:"study,omitempty"`
	StudyDay  int    `json:"study_day,omitempty"`
	Phase     string `json:"phase,omitempty"`
	// Trials is the count of scored trials (R21), of MaxTrials.
	Trials    int `json:"trials"`
	MaxTrials int `json:"max_trials,omitempty"`
	// Elapsed and Left are session time (R22), whole seconds.
	Elapsed int `json:"elapsed"`
	Left    int `json:"left"`

	Correct   int `json:"correct"`
	Incorrect int `json:"incorrect"`
	Omissions int `json:"omissions"`
	Premature int `json:"premature"`
	// Accuracy, OmissionsPct and PrematurePct are the live measures (R24),
	// formatted; "–" where undefined.
	Accuracy     string   `json:"accuracy"`
	OmissionsPct string   `json:"omissions_pct"`
	PrematurePct string   `json:"premature_pct"`
	Recent       []string `json:"recent"`
	// LastInput is when the rat last broke or restored a beam (Unix
	// milliseconds; the session's start before its first input): the page
	// warns when it is older than the no-response time.
	LastInput int64 `json:"last_input,omitempty"`

	// Last says how the chamber's previous session ended.
	Last           string `json:"last,omitempty"`
	LastFailed     bool   `json:"last_failed,omitempty"`
	StorageWarning string `json:"storage_warning,omitempty"`
}

// tileOf turns a chamber's live state into its tile.
func tileOf(st controller.ChamberStatus) Tile {
	t := Tile{Name: st.Name, Backend: st.Backend, State: st.State, Fault: st.Fault, Session: st.SessionID,
		Subject: st.Subject, Condition: st.Condition, Protocol: st.Protocol, Study: st.Study, StudyDay: st.StudyDay,
		Phase: st.Phase, MaxTrials: st.MaxTrials, Elapsed: int(st.ElapsedS), StorageWarning: st.StorageWarning,
		Accuracy: "–", OmissionsPct: "–", PrematurePct: "–", Recent: st.Recent}
	if t.Recent == nil {
		t.Recent = []string{}
	}
	if st.MaxDurationS > 0 {
		t.Left = max(0, int(math.Ceil(st.MaxDurationS-st.ElapsedS)))
	}
	if c := st.Counters; c != nil {
		t.Trials, t.Correct, t.Incorrect, t.Omissions, t.Premature = c.TrialsScored, c.Correct, c.Incorrect, c.Omissions, c.Premature
	}
	if m := st.Measures; m != nil {
		t.Accuracy, t.OmissionsPct, t.PrematurePct = pct(m.AccuracyPct), pct(m.OmissionsPct), pct(m.PrematurePct)
	}
	switch {
	case st.LastInputAt != nil:
		t.LastInput = st.LastInputAt.UnixMilli()
	case st.StartedAt != nil:
		t.LastInput = st.StartedAt.UnixMilli()
	}
	if l := st.Last; l != nil {
		t.Last = fmt.Sprintf("last: %s, %s at %s", l.Subject, l.EndReason, l.EndedAt.Local().Format("15:04"))
		if l.Error != "" {
			t.Last += " (" + l.Error + ")"
			t.LastFailed = true
		}
	}
	return t
}

// pct formats a percentage, "–" where it is undefined.
func pct(v *float64) string {
	if v == nil || math.IsNaN(*v) {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", *v)
}

// clock formats whole seconds as m:ss or h:mm:ss.
func clock(s int) string {
	d := time.Duration(s) * time.Second
	if d >= time.Hour {
		return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), s%60)
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"clock":       clock,
	"outcomeMark": outcomeMark,
	"ms":          msOf,
	"hours":       hours,
	"inc":         func(i int) int { return i + 1 },
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"pct": pct,
	"num": func(v float64) string {
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf("%.1f", v)
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format("2006-01-02 15:04")
	},
}

// outcomeMark is an outcome's mark in a tile's strip (app.js has the same
// marks): the colour carries it too, the letter for those who cannot tell
// the colours apart.
func outcomeMark(o string) string {
	switch o {
	case "correct":
		return "✓"
	case "incorrect":
		return "✗"
	case "omission":
		return "o"
	case "premature":
		return "P"
	}
	return "?"
}
