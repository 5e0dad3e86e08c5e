package web

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/study/report"
)

// studyRow is one study in the list.
type studyRow struct {
	storage.Study
	Run, Planned int
}

// Studies serves GET /studies: each study with how many of its test days
// have run.
func (p *Pages) Studies(w http.ResponseWriter, r *http.Request) {
	studies, err := p.db.Studies(r.Context())
	if err != nil {
		p.internal(w, r, err)
		return
	}
	rows := make([]studyRow, len(studies))
	for i, s := range studies {
		remaining, planned, err := p.db.Remaining(r.Context(), s.Name)
		if err != nil {
			p.internal(w, r, err)
			return
		}
		rows[i] = studyRow{Study: s, Run: planned - remaining, Planned: planned}
	}
	p.render(w, http.StatusOK, "studies", view{Title: "Studies", Nav: "studies", LoggedIn: true, Data: rows})
}

// cell is one test day of one rat in the design matrix.
type cell struct {
	storage.PlanDay
	State   string // planned, ran, running, failed (stopped or aborted), excluded
	Session string // the latest session of that day, if any
}

// matrixRow is one rat's line of the design matrix, with its washout.
type matrixRow struct {
	Subject string
	Days    []cell
	Next    string // its next test day, or why not now (washout, done)
}

type studyPage struct {
	Study storage.Study
	Blind bool
	Days  []int
	Rows  []matrixRow
}

// Study serves GET /studies/{name}: the design matrix (rat by test day,
// condition or blinding code), which days ran, each rat's washout, and the
// links to the report.
func (p *Pages) Study(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st, ok := p.study(w, r)
	if !ok {
		return
	}
	plan, err := p.db.Plan(ctx, st.Name)
	if err != nil {
		p.internal(w, r, err)
		return
	}
	// The sessions' records, not their measures: the matrix needs only
	// how each ended (and the measures view costs seconds at 10,000
	// sessions, storage.DB.Scored).
	sessions, err := p.db.Sessions(ctx, storage.Filter{Study: st.Name})
	if err != nil {
		p.internal(w, r, err)
		return
	}
	exclusions, err := p.db.Exclusions(ctx, st.Name)
	if err != nil {
		p.internal(w, r, err)
		return
	}
	excluded := map[string]bool{}
	for _, e := range exclusions {
		excluded[e.Session] = true
	}
	page := studyPage{Study: st, Blind: st.Blind && st.UnblindedAt == nil}
	for d := range len(st.Conditions) {
		page.Days = append(page.Days, d+1)
	}
	byRat := map[string]*matrixRow{}
	for _, s := range st.Subjects {
		page.Rows = append(page.Rows, matrixRow{Subject: s})
	}
	for i := range page.Rows {
		byRat[page.Rows[i].Subject] = &page.Rows[i]
	}
	for _, d := range plan {
		if row := byRat[d.Subject]; row != nil {
			row.Days = append(row.Days, dayCell(d, sessions, excluded))
		}
	}
	now := time.Now()
	for i := range page.Rows {
		page.Rows[i].Next = p.next(r, st.Name, page.Rows[i].Subject, now)
		for _, c := range page.Rows[i].Days {
			if c.State == "running" {
				page.Rows[i].Next = fmt.Sprintf("day %d is running", c.Day)
			}
		}
	}
	p.render(w, http.StatusOK, "study", view{Title: "Study " + st.Name, Nav: "studies", LoggedIn: true, Data: page})
}

// study finds the study of the request's path, or answers 404.
func (p *Pages) study(w http.ResponseWriter, r *http.Request) (storage.Study, bool) {
	st, err := p.db.Study(r.Context(), r.PathValue("name"))
	if errors.Is(err, storage.ErrNotFound) {
		p.fail(w, r, http.StatusNotFound, "%v", err)
		return st, false
	} else if err != nil {
		p.internal(w, r, err)
		return st, false
	}
	return st, true
}

// dayCell is what became of one planned test day: the latest session of
// it decides, a completed one (R21, R22) over any other.
func dayCell(d storage.PlanDay, sessions []storage.SessionRecord, excluded map[string]bool) cell {
	c := cell{PlanDay: d, State: "planned"}
	for _, s := range sessions {
		if s.Subject != d.Subject || s.StudyDay != d.Day {
			continue
		}
		state := "failed"
		switch {
		case excluded[s.ID]:
			state = "excluded"
		case s.Status == storage.StatusRunning:
			state = "running"
		case s.EndReason == protocols.EndMaxTrials || s.EndReason == protocols.EndTimeLimit:
			state = "ran"
		}
		if c.State != "ran" {
			c.State, c.Session = state, s.ID
		}
	}
	return c
}

// next says when a rat's next test day may run: now, after its washout
// (with the time left), or never (every day has run).
func (p *Pages) next(r *http.Request, study, subject string, now time.Time) string {
	day, err := p.db.NextDay(r.Context(), study, subject, now)
	switch {
	case errors.Is(err, storage.ErrStudyDone):
		return "every test day has run"
	case errors.Is(err, storage.ErrWashout):
		return fmt.Sprintf("day %d after the washout: %s (in %s)", day.Day, day.NotBefore.Local().Format("Mon 2 Jan 15:04"), hours(day.NotBefore.Sub(now)))
	case err != nil:
		p.log.Error("next test day", "study", study, "subject", subject, "err", err)
		return "unknown (see the daemon's log)"
	}
	return fmt.Sprintf("day %d (%s) may run now", day.Day, day.Condition)
}

// Report serves GET /studies/{name}/report: the study's report as the
// report command writes it (markdown, shown as text), ?format=csv for its
// CSV, ?format=figure for the summary figure (SVG).
func (p *Pages) Report(w http.ResponseWriter, r *http.Request) {
	st, ok := p.study(w, r)
	if !ok {
		return
	}
	rep, err := report.Load(r.Context(), p.db, st.Name, report.Options{})
	if err != nil {
		p.fail(w, r, http.StatusUnprocessableEntity, "no report yet: %v", err)
		return
	}
	securityHeaders(w.Header())
	switch r.URL.Query().Get("format") {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", attachment(st.Name+"-report.csv"))
		err = rep.CSV(w)
	case "figure":
		err = p.figure(w, rep)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		err = rep.Markdown(w)
	}
	if err != nil {
		p.log.Error("report", "study", st.Name, "err", err)
	}
}

// figure writes the report's summary figure (the four measures a 5-CSRTT
// paper shows first) as SVG.
func (p *Pages) figure(w http.ResponseWriter, rep report.Report) error {
	dir, err := os.MkdirTemp("", "fivechoice-figure-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files, err := rep.Figures(dir, report.FigureOptions{Formats: []string{"svg"}, Measures: []string{}})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errors.New("no figure written")
	}
	b, err := os.ReadFile(filepath.Join(files[len(files)-1]))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, err = w.Write(b)
	return err
}

// attachment is a Content-Disposition that saves a file under name, its
// characters limited to those safe in a header and a file name.
func attachment(name string) string {
	safe := []rune(name)
	for i, c := range safe {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			safe[i] = '_'
		}
	}
	return `attachment; filename="` + string(safe) + `"`
}

// hours formats a duration to the minute, as a lab writes it: 47h 59m,
// 48h, 30m.
func hours(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh %dm", h, m)
}
