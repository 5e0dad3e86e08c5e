package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/storage"
)

// subjectRow is one line of the subject list.
type subjectRow struct {
	storage.Subject
	Sessions int
	Latest   time.Time
}

// Subjects serves GET /subjects: every subject with its count of sessions
// and latest, and the form to add one.
func (p *Pages) Subjects(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	subjects, err := p.db.Subjects(ctx)
	if err != nil {
		p.internal(w, r, err)
		return
	}
	act, err := p.db.Activity(ctx)
	if err != nil {
		p.internal(w, r, err)
		return
	}
	rows := make([]subjectRow, len(subjects))
	for i, s := range subjects {
		rows[i] = subjectRow{Subject: s, Sessions: act[s.ID].Sessions, Latest: act[s.ID].Latest}
	}
	p.render(w, http.StatusOK, "subjects", view{Title: "Subjects", Nav: "subjects", LoggedIn: true, Data: rows})
}

// SubjectSessions is how many of a subject's latest sessions its page
// lists, with their measures; the trend draws the ended ones among them.
const SubjectSessions = 30

// sessionRow is one session in a list, with its measures (R24, R26).
type sessionRow struct {
	storage.SessionRecord
	Trials, Premature                  int
	Accuracy, OmissionsPct, Prematurep string
	// acc and prem are the accuracy and premature percentages, for the
	// trend; nil where undefined.
	acc, prem *float64
}

// subjectPage is one subject's page.
type subjectPage struct {
	Subject  storage.Subject
	Sessions []sessionRow
	More     bool
	Trend    trend
	Training *controller.RatStatus // nil: not in training
	Weights  []weightRow           // the latest SubjectWeights, newest first
	Notes    []storage.Note        // newest first
}

// SubjectWeights is how many of a rat's latest body weights its page
// lists.
const SubjectWeights = 14

// WeightWarning is the percentage of free-feeding weight below which a
// food-restricted rat's weight is flagged (the usual welfare limit).
const WeightWarning = storage.WeightWarningPct

// weightRow is a body weight with its percentage of free-feeding weight
// ("" when no free-feeding weight is known) and whether it is low.
type weightRow struct {
	storage.Weight
	Percent string
	Low     bool
}

// Subject serves GET /subjects/{id}: its sessions, newest first, with
// their measures and a small trend of accuracy and premature responses.
func (p *Pages) Subject(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	s, err := p.db.Subject(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		p.fail(w, r, http.StatusNotFound, "%v", err)
		return
	} else if err != nil {
		p.internal(w, r, err)
		return
	}
	sessions, err := p.db.Sessions(ctx, storage.Filter{Subject: id, Newest: true, Limit: SubjectSessions + 1})
	if err != nil {
		p.internal(w, r, err)
		return
	}
	page := subjectPage{Subject: s, More: len(sessions) > SubjectSessions}
	sessions = sessions[:min(len(sessions), SubjectSessions)]
	if page.Sessions, err = p.withMeasures(r, sessions); err != nil {
		p.internal(w, r, err)
		return
	}
	page.Trend = trendOf(page.Sessions)
	if err := p.welfare(r, id, &page); err != nil {
		p.internal(w, r, err)
		return
	}
	p.render(w, http.StatusOK, "subject", view{Title: "Subject " + s.ID, Nav: "subjects", LoggedIn: true, Data: page})
}

// withMeasures adds each session's measures, scored from its rows
// (storage.DB.Scored: Summary's figures without the view's cost).
func (p *Pages) withMeasures(r *http.Request, sessions []storage.SessionRecord) ([]sessionRow, error) {
	out := make([]sessionRow, len(sessions))
	for i, s := range sessions {
		sum, err := p.db.Scored(r.Context(), s.ID)
		if err != nil {
			return nil, err
		}
		c, m := sum.Counters, sum.Measures
		out[i] = sessionRow{SessionRecord: s, Trials: c.TrialsScored, Premature: c.Premature,
			Accuracy: pct(m.AccuracyPct), OmissionsPct: pct(m.OmissionsPct), Prematurep: pct(m.PrematurePct),
			acc: m.AccuracyPct, prem: m.PrematurePct}
	}
	return out, nil
}

// trend is a small line chart (SVG) of accuracy and premature responses
// (% of trials, R24) over a subject's last ended sessions, oldest left.
type trend struct {
	Accuracy, Premature []point
	N                   int
}

// point is a place on the trend chart.
type point struct{ X, Y float64 }

// Trend chart size, in SVG units.
const trendW, trendH = 240.0, 60.0

func trendOf(rows []sessionRow) trend {
	var acc, prem []float64
	for i := len(rows) - 1; i >= 0; i-- { // oldest first
		if rows[i].Status != storage.StatusEnded || rows[i].Trials == 0 {
			continue
		}
		acc = append(acc, orNaN(rows[i].acc))
		prem = append(prem, orNaN(rows[i].prem))
	}
	return trend{Accuracy: points(acc), Premature: points(prem), N: len(acc)}
}

func orNaN(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

// points places percentages (0 to 100) on the chart, skipping undefined
// ones.
func points(vs []float64) []point {
	var out []point
	step := (trendW - 8) / float64(max(1, len(vs)-1))
	for i, v := range vs {
		if !math.IsNaN(v) {
			out = append(out, point{X: 4 + math.Round(float64(i)*step*10)/10, Y: 4 + math.Round((trendH-8)*(1-v/100)*10)/10})
		}
	}
	return out
}

// welfare adds a rat's training stage, latest body weights and notes to
// its page: what the technician checks before loading it.
func (p *Pages) welfare(r *http.Request, id string, page *subjectPage) error {
	ctx := r.Context()
	st, err := controller.StatusOf(ctx, p.db, id)
	switch {
	case err == nil:
		page.Training = &st
	case !errors.Is(err, storage.ErrNotFound):
		return err
	}
	ws, err := p.db.Weights(ctx, id)
	if err != nil {
		return err
	}
	for i := len(ws) - 1; i >= 0 && len(page.Weights) < SubjectWeights; i-- {
		row := weightRow{Weight: ws[i]}
		if !math.IsNaN(ws[i].Pct) && ws[i].FreeFeeding > 0 {
			row.Percent, row.Low = fmt.Sprintf("%.1f %%", ws[i].Pct), ws[i].Pct < WeightWarning
		}
		page.Weights = append(page.Weights, row)
	}
	notes, err := p.db.Notes(ctx, "subject "+id)
	if err != nil {
		return err
	}
	slices.Reverse(notes)
	page.Notes = notes
	return nil
}
