package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// A session page shows at most this many trials and events; the CSV
// downloads hold them all.
const (
	PageTrials = 1000
	PageEvents = 2000
)

type sessionPage struct {
	S          storage.SessionRecord
	Running    bool
	Sum        protocols.Summary
	Measures   []measure
	Trials     []protocols.Attempt
	Events     []storage.Event
	MoreTrials bool
	MoreEvents bool
}

// measure is one named value of the measures table.
type measure struct{ Name, Value string }

// Session serves GET /sessions/{id}: its record, measures (R24-R26), its
// trials and its raw events, with CSV downloads of both.
func (p *Pages) Session(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s, ok := p.session(w, r)
	if !ok {
		return
	}
	page := sessionPage{S: s}
	if live, running := p.sup.Live(s.ID); running && live.Counters != nil {
		page.Running = true
		page.Sum = protocols.Summary{Counters: *live.Counters, Measures: *live.Measures}
	} else {
		sum, err := p.db.Scored(ctx, s.ID)
		if err != nil {
			p.internal(w, r, err)
			return
		}
		page.Sum = sum
	}
	page.Measures = measuresOf(page.Sum)
	trials, err := p.db.AttemptsPage(ctx, s.ID, 0, PageTrials+1)
	if err != nil {
		p.internal(w, r, err)
		return
	}
	page.MoreTrials = len(trials) > PageTrials
	page.Trials = trials[:min(len(trials), PageTrials)]
	events, err := p.db.Events(ctx, s.ID)
	if err != nil {
		p.internal(w, r, err)
		return
	}
	page.MoreEvents = len(events) > PageEvents
	page.Events = events[:min(len(events), PageEvents)]
	p.render(w, http.StatusOK, "session", view{Title: "Session " + s.Subject + " " + s.StartedAt.Local().Format("2006-01-02 15:04"), LoggedIn: true, Data: page})
}

func (p *Pages) session(w http.ResponseWriter, r *http.Request) (storage.SessionRecord, bool) {
	s, err := p.db.Session(r.Context(), r.PathValue("id"))
	if errors.Is(err, storage.ErrNotFound) {
		p.fail(w, r, http.StatusNotFound, "unknown session %q", r.PathValue("id"))
		return s, false
	} else if err != nil {
		p.internal(w, r, err)
		return s, false
	}
	return s, true
}

func measuresOf(sum protocols.Summary) []measure {
	c, m := sum.Counters, sum.Measures
	ms := func(v *float64) string {
		if v == nil {
			return "–"
		}
		return fmt.Sprintf("%.1f ms", *v)
	}
	return []measure{
		{"trials scored", strconv.Itoa(c.TrialsScored)}, {"correct", strconv.Itoa(c.Correct)}, {"incorrect", strconv.Itoa(c.Incorrect)},
		{"omissions", strconv.Itoa(c.Omissions)}, {"premature", strconv.Itoa(c.Premature)}, {"perseverative", strconv.Itoa(c.Perseverative)},
		{"time-out responses", strconv.Itoa(c.TimeoutResponses)}, {"magazine entries", strconv.Itoa(c.MagazineEntries)},
		{"accuracy", pct(m.AccuracyPct)}, {"omissions", pct(m.OmissionsPct)}, {"correct", pct(m.CorrectPct)}, {"premature", pct(m.PrematurePct)},
		{"correct latency, median", ms(m.CorrectLatencyMedianMs)}, {"incorrect latency, median", ms(m.IncorrectLatencyMedianMs)},
		{"reward latency, median", ms(m.RewardLatencyMedianMs)}, {"premature latency, median", ms(m.PrematureLatencyMedianMs)},
	}
}

// SessionCSV serves GET /sessions/{id}/trials.csv and events.csv: every
// trial (attempt) or every raw event of the session, times in ms of
// session time.
func (p *Pages) SessionCSV(w http.ResponseWriter, r *http.Request) {
	s, ok := p.session(w, r)
	if !ok {
		return
	}
	what := r.PathValue("what")
	var rows [][]string
	var err error
	switch what {
	case "trials.csv":
		rows, err = p.trialRows(r, s.ID)
	case "events.csv":
		rows, err = p.eventRows(r, s.ID)
	default:
		p.fail(w, r, http.StatusNotFound, "no such download %q: trials.csv or events.csv", what)
		return
	}
	if err != nil {
		p.internal(w, r, err)
		return
	}
	securityHeaders(w.Header())
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(s.Subject+"-"+s.StartedAt.UTC().Format("20060102-1504")+"-"+what))
	cw := csv.NewWriter(w)
	cw.WriteAll(rows)
}

func msOf(d time.Duration) string {
	if d == protocols.None {
		return ""
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 3, 64)
}

func (p *Pages) trialRows(r *http.Request, id string) ([][]string, error) {
	as, err := p.db.Attempts(r.Context(), id)
	if err != nil {
		return nil, err
	}
	rows := [][]string{{"session_id", "n", "outcome", "target", "iti_ms", "sd_ms", "iti_start_ms", "onset_ms", "response_hole", "response_ms",
		"response_latency_ms", "collection_ms", "reward_latency_ms", "first_premature_ms", "premature", "perseverative", "timeout_responses"}}
	for _, a := range as {
		rows = append(rows, []string{id, strconv.Itoa(a.N), a.Outcome.String(), strconv.Itoa(a.Target), msOf(a.ITI), msOf(a.SD), msOf(a.ITIStart),
			msOf(a.Onset), strconv.Itoa(a.ResponseHole), msOf(a.Response), msOf(a.ResponseLatency()), msOf(a.Collection), msOf(a.RewardLatency()),
			msOf(a.FirstPremature), strconv.Itoa(a.Premature), strconv.Itoa(a.Perseverative), strconv.Itoa(a.TimeoutResponses)})
	}
	return rows, nil
}

func (p *Pages) eventRows(r *http.Request, id string) ([][]string, error) {
	es, err := p.db.Events(r.Context(), id)
	if err != nil {
		return nil, err
	}
	rows := [][]string{{"session_id", "seq", "t_ms", "kind", "channel", "value", "class", "attempt", "lateness_ms"}}
	for _, e := range es {
		kind, channel, value, class, late := "output", e.Output.String(), boolInt(e.On), "", msOf(e.At-e.Due)
		if e.IsInput() {
			kind, channel, value, class, late = "input", e.Input.String(), boolInt(e.Entry), e.Class.String(), ""
		}
		rows = append(rows, []string{id, strconv.FormatUint(e.Seq, 10), msOf(e.At), kind, channel, value, class, strconv.Itoa(e.Attempt), late})
	}
	return rows, nil
}

func boolInt(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
