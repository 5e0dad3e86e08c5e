package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// sheetCell is one chamber's entry in one squad of the run sheet.
type sheetCell struct {
	storage.RunEntry
	State string // ran, running, failed, next, planned, elsewhere (run today outside this entry); "" for no entry
	// Startable: the chamber's next entry, and the chamber idle.
	Startable bool
}

type sheetPage struct {
	Day, Prev, Next string
	Today           bool
	Chambers        []string
	Squads          [][]sheetCell // by squad, then chamber
	Form            gridData      // the lists the add form chooses from
}

// RunSheet serves GET /runsheet?day=YYYY-MM-DD (default today): the day's
// squads per chamber, what ran, and a Start on each chamber's next rat
// (confirmed by the technician, who has put it in the box). It prints as
// a plain table.
func (p *Pages) RunSheet(w http.ResponseWriter, r *http.Request) {
	day := r.URL.Query().Get("day")
	if day == "" {
		day = time.Now().Format(time.DateOnly)
	}
	d, err := time.ParseInLocation(time.DateOnly, day, time.Local)
	if err != nil {
		p.fail(w, r, http.StatusBadRequest, "day: want YYYY-MM-DD, got %q", day)
		return
	}
	entries, err := p.db.RunSheet(r.Context(), day)
	if err != nil {
		p.internal(w, r, err)
		return
	}
	page := sheetPage{Day: day, Prev: d.AddDate(0, 0, -1).Format(time.DateOnly), Next: d.AddDate(0, 0, 1).Format(time.DateOnly),
		Today: day == time.Now().Format(time.DateOnly)}
	idle := map[string]bool{}
	for _, c := range p.sup.Chambers() {
		page.Chambers = append(page.Chambers, c.Name)
		idle[c.Name] = c.State == "idle"
	}
	for _, e := range entries { // a chamber since removed from the configuration
		if !slices.Contains(page.Chambers, e.Chamber) {
			page.Chambers = append(page.Chambers, e.Chamber)
		}
	}
	page.Squads = squads(entries, page.Chambers, idle, page.Today)
	if page.Form, err = p.choices(r); err != nil {
		p.internal(w, r, err)
		return
	}
	p.render(w, http.StatusOK, "runsheet", view{Title: "Run sheet " + day, Nav: "runsheet", LoggedIn: true, Data: page})
}

// squads lays the entries out by squad and chamber and marks each
// chamber's next entry: the first not started, startable today when the
// chamber is idle.
func squads(entries []storage.RunEntry, chambers []string, idle map[string]bool, today bool) [][]sheetCell {
	n := 0
	for _, e := range entries {
		n = max(n, e.Squad)
	}
	out := make([][]sheetCell, n)
	for i := range out {
		out[i] = make([]sheetCell, len(chambers))
	}
	for _, e := range entries {
		c := sheetCell{RunEntry: e, State: "planned"}
		switch {
		case e.Session == "" && e.Elsewhere != "":
			c.State = "elsewhere" // not offered: the grid's Start runs it again on purpose
		case e.Session == "":
		case e.Status == storage.StatusRunning:
			c.State = "running"
		case e.EndReason == "max_trials" || e.EndReason == "time_limit":
			c.State = "ran"
		default:
			c.State = "failed"
		}
		out[e.Squad-1][slices.Index(chambers, e.Chamber)] = c
	}
	for j, ch := range chambers {
		for i := range out {
			if c := &out[i][j]; c.State == "planned" {
				c.State, c.Startable = "next", today && idle[ch]
				break
			} else if c.State == "running" {
				break
			}
		}
	}
	return out
}
