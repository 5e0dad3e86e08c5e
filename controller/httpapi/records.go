package httpapi

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// The records kept with the sessions, over the API as on the command line
// (issue 16, docs/records.md): excluding and reinstating a session, notes
// on a session or a subject, body weights, and corrections of a subject
// or a condition with their history. Every write goes through the
// storage writer.

// errRecordsNoWriter refuses a change on an API built without the storage
// writer.
var errRecordsNoWriter = fail(http.StatusServiceUnavailable, "changing records needs the daemon's storage writer")

// recordErr answers a storage refusal with its status: 404 for what does
// not exist (with the closest names), 409 for what cannot be done to the
// record as it stands, 422 for a value that cannot be.
func recordErr(err error) error {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return fail(http.StatusNotFound, "%s", err.Error())
	case errors.Is(err, storage.ErrInUse), errors.Is(err, storage.ErrExcluded):
		return fail(http.StatusConflict, "%s", err.Error())
	case errors.Is(err, storage.ErrInvalid):
		return fail(http.StatusUnprocessableEntity, "%s", strings.TrimSuffix(err.Error(), ": "+storage.ErrInvalid.Error()))
	}
	return err
}

// signedRequest is the body of an exclusion or reinstatement.
type signedRequest struct {
	By  string `json:"by"`
	Why string `json:"why"`
}

// excludeSession answers POST /api/v1/sessions/{id}/exclude and
// /reinstate (exclude false): 200 with the session's exclusions now.
func (a *API) excludeSession(exclude bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req signedRequest
		if err := decode(w, r, a.maxBody, &req); err != nil {
			return err
		}
		if a.writer == nil {
			return errRecordsNoWriter
		}
		id, change := r.PathValue("id"), a.writer.Reinstate
		if exclude {
			change = a.writer.Exclude
		}
		if err := change(r.Context(), a.db, id, req.By, req.Why, time.Now()); err != nil {
			return recordErr(err)
		}
		a.log.Info(map[bool]string{true: "session excluded", false: "session reinstated"}[exclude], "session", id, "by", req.By, "why", req.Why)
		return writeJSON(w, http.StatusOK, map[string]any{"session": id, "excluded": exclude})
	}
}

// noteRequest is the body of POST .../notes.
type noteRequest struct {
	By   string `json:"by"`
	Text string `json:"text"`
}

// addNote answers POST /api/v1/{sessions,subjects}/{id}/notes: 201 with
// the target's notes, oldest first.
func (a *API) addNote(kind string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req noteRequest
		if err := decode(w, r, a.maxBody, &req); err != nil {
			return err
		}
		if a.writer == nil {
			return errRecordsNoWriter
		}
		if err := a.writer.AddNote(r.Context(), a.db, kind, r.PathValue("id"), req.By, req.Text, time.Now()); err != nil {
			return recordErr(err)
		}
		return a.writeNotes(w, r, kind, http.StatusCreated)
	}
}

// listNotes answers GET /api/v1/{sessions,subjects}/{id}/notes.
func (a *API) listNotes(kind string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var err error
		if kind == "subject" {
			_, err = a.db.Subject(r.Context(), r.PathValue("id"))
		} else {
			_, err = a.db.Session(r.Context(), r.PathValue("id"))
		}
		if err != nil {
			return recordErr(err)
		}
		return a.writeNotes(w, r, kind, http.StatusOK)
	}
}

func (a *API) writeNotes(w http.ResponseWriter, r *http.Request, kind string, status int) error {
	notes, err := a.db.Notes(r.Context(), kind+" "+r.PathValue("id"))
	if err != nil {
		return err
	}
	if notes == nil {
		notes = []storage.Note{}
	}
	return writeJSON(w, status, map[string]any{"notes": notes})
}

// weightRequest is the body of POST /api/v1/subjects/{id}/weights.
type weightRequest struct {
	Day         string  `json:"day"` // YYYY-MM-DD; default today
	Grams       float64 `json:"grams"`
	FreeFeeding float64 `json:"free_feeding_grams"` // from this day on; 0: the latest given before
	By          string  `json:"by"`
	// Correct replaces the day's weight (a typo), the old value kept in
	// the audit trail with Why.
	Correct bool   `json:"correct"`
	Why     string `json:"why"`
}

// weightView is a weight as JSON: the percentage is null when no
// free-feeding weight is known (JSON has no NaN).
type weightView struct {
	storage.Weight
	Pct *float64 `json:"pct_free_feeding"`
	// Warnings: below the welfare limit, far above the free-feeding
	// weight, or far from the previous weight (a typo?).
	Warnings []string `json:"warnings,omitempty"`
}

func viewWeight(w storage.Weight) weightView {
	v := weightView{Weight: w}
	if !math.IsNaN(w.Pct) {
		pct := w.Pct
		v.Pct = &pct
	}
	return v
}

// addWeight answers POST /api/v1/subjects/{id}/weights: 201 with the
// weight and its percentage of the free-feeding weight.
func (a *API) addWeight(w http.ResponseWriter, r *http.Request) error {
	var req weightRequest
	if err := decode(w, r, a.maxBody, &req); err != nil {
		return err
	}
	if req.Day == "" {
		req.Day = time.Now().Format(time.DateOnly)
	}
	if a.writer == nil {
		return errRecordsNoWriter
	}
	id := r.PathValue("id")
	before, err := a.db.Weights(r.Context(), id)
	if err != nil {
		return err
	}
	var got storage.Weight
	if req.Correct {
		got, err = a.db.CorrectWeight(r.Context(), id, req.Day, req.Grams, req.FreeFeeding, req.By, req.Why, time.Now())
	} else {
		got, err = a.writer.AddWeight(r.Context(), a.db, id, req.Day, req.Grams, req.FreeFeeding, req.By, time.Now())
	}
	if err != nil {
		return recordErr(err)
	}
	v := viewWeight(got)
	v.Warnings = storage.WeightWarnings(got, before, storage.WeightWarningPct)
	return writeJSON(w, http.StatusCreated, v)
}

// listWeights answers GET /api/v1/subjects/{id}/weights, oldest first.
func (a *API) listWeights(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := a.db.Subject(r.Context(), id); err != nil {
		return recordErr(err)
	}
	ws, err := a.db.Weights(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]weightView, 0, len(ws))
	for _, x := range ws {
		out = append(out, viewWeight(x))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"weights": out})
}

// correctionRequest is the body of POST .../corrections: the fields to
// set by name (a string, or a number for the numeric ones), who and why.
type correctionRequest struct {
	Set map[string]json.RawMessage `json:"set"`
	By  string                     `json:"by"`
	Why string                     `json:"why"`
}

// addCorrection answers POST /api/v1/{subjects,conditions}/{id}/corrections:
// 201 with the corrections made (none when every value was the one
// recorded already).
func (a *API) addCorrection(kind string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req correctionRequest
		if err := decode(w, r, a.maxBody, &req); err != nil {
			return err
		}
		e := storage.Edit{ID: r.PathValue("id"), Set: map[string]string{}, By: req.By, Why: req.Why}
		for k, raw := range req.Set {
			var s string
			if err := json.Unmarshal(raw, &s); err == nil {
				e.Set[k] = s
			} else if _, err := strconv.ParseFloat(string(raw), 64); err == nil {
				e.Set[k] = string(raw)
			} else {
				return fail(http.StatusBadRequest, "malformed JSON: set.%s: want a string or a number, got %s", k, raw)
			}
		}
		if a.writer == nil {
			return errRecordsNoWriter
		}
		edit := a.writer.EditSubject
		if kind == "condition" {
			edit = a.writer.EditCondition
		}
		got, err := edit(r.Context(), a.db, e)
		if err != nil {
			return recordErr(err)
		}
		if got == nil {
			got = []storage.Correction{}
		}
		a.log.Info(kind+" corrected", kind, e.ID, "fields", len(got), "by", e.By, "why", e.Why)
		return writeJSON(w, http.StatusCreated, map[string]any{"corrections": got})
	}
}

// listCorrections answers GET /api/v1/{subjects,conditions}/{id}/corrections:
// the record's history, oldest first.
func (a *API) listCorrections(kind string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		var err error
		if kind == "subject" {
			_, err = a.db.Subject(r.Context(), id)
		} else {
			_, err = a.db.Condition(r.Context(), id)
		}
		if err != nil {
			return recordErr(err)
		}
		trail, err := a.db.Corrections(r.Context(), kind+"s", id)
		if err != nil {
			return err
		}
		if trail == nil {
			trail = []storage.Correction{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"corrections": trail})
	}
}
