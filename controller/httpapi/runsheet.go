package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/storage"
)

// The day's run sheet over the API (issue 13): the page's buttons and
// scripts call these, as they call the rest of the API.

// errNoWriter refuses a run sheet change on an API built without the
// storage writer (every write goes through it).
var errNoWriter = fail(http.StatusServiceUnavailable, "the run sheet needs the daemon's storage writer")

// listRunSheet answers GET /api/v1/runsheet?day=YYYY-MM-DD (default today).
func (a *API) listRunSheet(w http.ResponseWriter, r *http.Request) error {
	day := r.URL.Query().Get("day")
	if day == "" {
		day = time.Now().Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return fail(http.StatusBadRequest, "day: want YYYY-MM-DD, got %q", day)
	}
	es, err := a.db.RunSheet(r.Context(), day)
	if err != nil {
		return err
	}
	if es == nil {
		es = []storage.RunEntry{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"day": day, "entries": es})
}

// runEntryRequest is the body of POST /api/v1/runsheet.
type runEntryRequest struct {
	Day       string `json:"day"` // default today
	Chamber   string `json:"chamber"`
	Squad     string `json:"squad"` // a number; "" or "0": the chamber's next
	Subject   string `json:"subject"`
	Protocol  string `json:"protocol"`
	Condition string `json:"condition"`
	Study     string `json:"study"`
}

// addRunEntry answers POST /api/v1/runsheet: 201 with the entry; 422 for
// what does not exist (named); 409 for a squad of a chamber taken.
func (a *API) addRunEntry(w http.ResponseWriter, r *http.Request) error {
	var req runEntryRequest
	if err := decode(w, r, a.maxBody, &req); err != nil {
		return err
	}
	e := storage.RunEntry{Day: req.Day, Chamber: req.Chamber, Subject: req.Subject, Protocol: req.Protocol, Condition: req.Condition, Study: req.Study}
	if e.Day == "" {
		e.Day = time.Now().Format(time.DateOnly)
	}
	if req.Squad != "" {
		n, err := strconv.Atoi(req.Squad)
		if err != nil {
			return fail(http.StatusUnprocessableEntity, "squad: want a whole number, got %q", req.Squad)
		}
		e.Squad = n
	}
	if _, err := a.chamber(e.Chamber); err != nil {
		return err
	}
	if a.writer == nil {
		return errNoWriter
	}
	if err := a.db.CheckRunEntry(r.Context(), e); err != nil {
		return fail(http.StatusUnprocessableEntity, "%v", err)
	}
	id, err := a.writer.AddRunEntry(e)
	if errors.Is(err, storage.ErrExists) {
		return fail(http.StatusConflict, "%v", err)
	} else if err != nil {
		return err
	}
	if e, err = a.db.RunEntry(r.Context(), id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, e)
}

// runEntry reads the entry of the request's path.
func (a *API) runEntry(r *http.Request) (storage.RunEntry, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return storage.RunEntry{}, fail(http.StatusNotFound, "unknown run sheet entry %q", r.PathValue("id"))
	}
	e, err := a.db.RunEntry(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return e, fail(http.StatusNotFound, "%v", err)
	}
	return e, err
}

// runEntryStart is the body of POST /api/v1/runsheet/{id}/start.
type runEntryStart struct {
	InjectedAt *time.Time `json:"injected_at"` // a study's test day: when the dose was given
}

// startRunEntry answers POST /api/v1/runsheet/{id}/start, sent once the
// technician has confirmed the rat is in its chamber: it starts the
// entry's session (a study's next test day for a study entry) with every
// refusal the API gives elsewhere, and marks the entry.
func (a *API) startRunEntry(w http.ResponseWriter, r *http.Request) error {
	e, err := a.runEntry(r)
	if err != nil {
		return err
	}
	var req runEntryStart
	if err := decode(w, r, a.maxBody, &req); err != nil {
		return err
	}
	if a.writer == nil {
		return errNoWriter
	}
	if e.Session != "" {
		return fail(http.StatusConflict, "%s's entry in %s, squad %d, was started already (session %s, %s)", e.Subject, e.Chamber, e.Squad, e.Session, e.Status)
	}
	var plan controller.Plan
	warning := ""
	if e.Study != "" {
		plan, warning, err = a.studyPlan(r.Context(), e.Study, studyStartRequest{Subject: e.Subject, Chamber: e.Chamber, InjectedAt: req.InjectedAt})
	} else {
		plan, err = a.plan(r.Context(), startRequest{Subject: e.Subject, Protocol: e.Protocol, Condition: e.Condition})
	}
	if err != nil {
		return err
	}
	if plan, err = a.launch(e.Chamber, plan); err != nil {
		return err
	}
	if err := a.writer.MarkRunEntry(e.ID, plan.ID); err != nil {
		// The session runs and is recorded; only the sheet's mark is lost.
		a.log.Error("run sheet entry not marked as started", "entry", e.ID, "session", plan.ID, "err", err)
	}
	return a.started201(w, plan, warning)
}

// removeRunEntry answers POST /api/v1/runsheet/{id}/remove: an entry not
// started yet goes; a started one stays (409).
func (a *API) removeRunEntry(w http.ResponseWriter, r *http.Request) error {
	e, err := a.runEntry(r)
	if err != nil {
		return err
	}
	if a.writer == nil {
		return errNoWriter
	}
	if err := a.writer.RemoveRunEntry(r.Context(), a.db, e.ID); errors.Is(err, storage.ErrInvalid) {
		return fail(http.StatusConflict, "%v", err)
	} else if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"removed": e.ID})
}
