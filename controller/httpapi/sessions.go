package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/storage"
)

// getSession answers one session: live measures while it runs, the stored
// final measures once it has ended; with ?attempts=1 its attempts too
// (while it runs, those committed so far).
func (a *API) getSession(w http.ResponseWriter, r *http.Request) error {
	v, err := a.session(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func (a *API) session(r *http.Request, id string) (sessionView, error) {
	ctx := r.Context()
	live, running := a.sup.Live(id)
	s, err := a.db.Session(ctx, id)
	var v sessionView
	switch {
	case err == nil:
		v = storedView(s)
	case errors.Is(err, storage.ErrNotFound) && running:
		plan, ok := a.remembered(id)
		if !ok {
			plan = controller.Plan{Provenance: storage.Provenance{ID: id, Chamber: live.Name, Subject: live.Subject, Condition: live.Condition, Protocol: live.Protocol}}
		}
		v = planView(plan)
	case errors.Is(err, storage.ErrNotFound):
		return v, fail(http.StatusNotFound, "unknown session %q", id)
	default:
		return v, err
	}
	// The database's word is final: a session that ended between the two
	// look-ups is shown as ended. A session that is not live here (ended,
	// interrupted, or run by another process) is scored from its rows.
	if running && v.Status == storage.StatusRunning {
		v.live(live)
	} else {
		sum, err := a.db.Summary(ctx, id)
		if err != nil {
			return v, err
		}
		v.Counters, v.Measures = &sum.Counters, &sum.Measures
	}
	if r.URL.Query().Get("attempts") == "1" {
		as, err := a.db.Attempts(ctx, id)
		if err != nil {
			return v, err
		}
		v.Attempts = attemptViews(as)
		if v.Attempts == nil {
			v.Attempts = []attemptView{}
		}
	}
	return v, nil
}

// stopSession ends a running session (reason "stopped") and answers with
// its final record once that is on disk.
func (a *API) stopSession(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	err := a.sup.Stop(id)
	if errors.Is(err, controller.ErrNoSession) {
		s, serr := a.db.Session(r.Context(), id)
		if errors.Is(serr, storage.ErrNotFound) {
			return fail(http.StatusNotFound, "unknown session %q", id)
		}
		if serr != nil {
			return serr
		}
		return fail(http.StatusConflict, "session %s is not running (status %s, end reason %s)", id, s.Status, s.EndReason)
	}
	if err != nil {
		return err
	}
	a.log.Info("session stopped through the API", "session", id)
	v, err := a.session(r, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// listSessions lists sessions, oldest first, filtered by subject,
// condition, chamber, status and start date (from inclusive, to
// exclusive; a date alone is a whole day in the daemon's time zone, and
// to=2025-03-14 includes that day).
func (a *API) listSessions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := storage.Filter{Subject: q.Get("subject"), Condition: q.Get("condition"), Chamber: q.Get("chamber"), Status: q.Get("status")}
	var err error
	if f.From, err = parseWhen("from", q.Get("from"), false); err != nil {
		return err
	}
	if f.To, err = parseWhen("to", q.Get("to"), true); err != nil {
		return err
	}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 {
			return fail(http.StatusBadRequest, "limit: want a positive whole number, got %q", s)
		}
	}
	sessions, err := a.db.Sessions(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]sessionView, len(sessions))
	for i, s := range sessions {
		out[i] = storedView(s)
		out[i].Params, out[i].Timing = nil, nil // in the session itself
	}
	return writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

// parseWhen reads a from/to filter: an RFC 3339 time, or a date
// (YYYY-MM-DD) in the daemon's time zone, which for "to" means the end of
// that day.
func parseWhen(name, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, time.Local)
	if err != nil {
		return time.Time{}, fail(http.StatusBadRequest, "%s: want a date (2025-03-14) or an RFC 3339 time (2025-03-14T09:30:00Z), got %q", name, s)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}
