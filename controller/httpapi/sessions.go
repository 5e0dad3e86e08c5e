package httpapi

import (
	"errors"
	"math"
	"net/http"
	"net/url"
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
	if q := r.URL.Query(); q.Get("attempts") == "1" {
		after, err := count(q, "attempts_after", 0, 0, math.MaxInt32)
		if err != nil {
			return v, err
		}
		limit, err := count(q, "attempts_limit", DefaultAttempts, 1, MaxAttempts)
		if err != nil {
			return v, err
		}
		as, err := a.db.AttemptsPage(ctx, id, after, limit+1)
		if err != nil {
			return v, err
		}
		if len(as) > limit {
			as = as[:limit]
			v.AttemptsNext = as[limit-1].N
		}
		v.Attempts = attemptViews(as)
		if v.Attempts == nil {
			v.Attempts = []attemptView{}
		}
	}
	return v, nil
}

// Pages: no answer holds more than a bounded number of rows, however long
// a session ran or however many are stored (issue 12: one session's
// attempts came to 58 MB, and eight such requests to 2 GB of memory).
const (
	DefaultAttempts = 1000 // attempts per page of GET /sessions/{id}?attempts=1
	MaxAttempts     = 5000 // the largest attempts_limit
	DefaultSessions = 100  // sessions per GET /sessions
	MaxSessions     = 1000 // the largest limit
)

// count reads a whole-number query parameter in [lo, hi], or def when it
// is absent.
func count(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fail(http.StatusBadRequest, "%s: want a whole number from %d to %d, got %q", name, lo, hi, s)
	}
	return n, nil
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

// listSessions lists sessions, newest first, filtered by subject,
// condition, chamber, status and start date (from inclusive, to
// exclusive; a date alone is a whole day in the daemon's time zone, and
// to=2025-03-14 includes that day), at most limit of them (default
// DefaultSessions); "more" says whether older ones match too: ask again
// with to= the oldest one's started_at.
func (a *API) listSessions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := storage.Filter{Subject: q.Get("subject"), Condition: q.Get("condition"), Chamber: q.Get("chamber"), Status: q.Get("status"), Newest: true}
	switch f.Status {
	case "", storage.StatusRunning, storage.StatusEnded, storage.StatusInterrupted:
	default:
		return fail(http.StatusBadRequest, "status: want running, ended or interrupted, got %q", f.Status)
	}
	var err error
	if f.From, err = parseWhen("from", q.Get("from"), false); err != nil {
		return err
	}
	if f.To, err = parseWhen("to", q.Get("to"), true); err != nil {
		return err
	}
	limit, err := count(q, "limit", DefaultSessions, 1, MaxSessions)
	if err != nil {
		return err
	}
	f.Limit = limit + 1
	sessions, err := a.db.Sessions(r.Context(), f)
	if err != nil {
		return err
	}
	more := len(sessions) > limit
	if more {
		sessions = sessions[:limit]
	}
	out := make([]sessionView, len(sessions))
	for i, s := range sessions {
		out[i] = storedView(s)
		out[i].Params, out[i].Timing = nil, nil // in the session itself
	}
	return writeJSON(w, http.StatusOK, map[string]any{"sessions": out, "more": more})
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
