package httpapi

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/storage"
)

// studyStartRequest starts a subject's next test day of a study.
type studyStartRequest struct {
	Subject    string     `json:"subject"`
	Chamber    string     `json:"chamber"`
	InjectedAt *time.Time `json:"injected_at"` // RFC 3339; omitted: none recorded
}

// startStudySession answers POST /api/v1/studies/{name}/sessions: the
// study picks the subject's next condition itself (a code in a blind
// study), refuses a subject inside its washout (409), and warns, in a
// Warning header, when the session starts outside the pretreatment window.
func (a *API) startStudySession(w http.ResponseWriter, r *http.Request) error {
	var req studyStartRequest
	if err := decode(w, r, a.maxBody, &req); err != nil {
		return err
	}
	if req.Subject == "" || req.Chamber == "" {
		return fail(http.StatusUnprocessableEntity, "subject and chamber: required")
	}
	if _, err := a.chamber(req.Chamber); err != nil {
		return err
	}
	st, err := a.db.Study(r.Context(), r.PathValue("name"))
	if errors.Is(err, storage.ErrNotFound) {
		return fail(http.StatusNotFound, "%v", err)
	} else if err != nil {
		return err
	}
	for _, c := range a.sup.Chambers() {
		if c.State == "running" && c.Subject == req.Subject {
			return fail(http.StatusConflict, "subject %s is running on %s (session %s)", req.Subject, c.Name, c.SessionID)
		}
	}
	var injected time.Time
	if req.InjectedAt != nil {
		injected = *req.InjectedAt
	}
	var b [8]byte
	rand.Read(b[:])
	plan, warning, err := controller.PlanStudySession(r.Context(), a.db, st, req.Subject, time.Now(), injected, 10*time.Minute, binary.LittleEndian.Uint64(b[:])&math.MaxInt64)
	switch {
	case errors.Is(err, storage.ErrWashout), errors.Is(err, storage.ErrStudyDone):
		return fail(http.StatusConflict, "%v", err)
	case errors.Is(err, storage.ErrNotFound):
		return fail(http.StatusUnprocessableEntity, "%v", err)
	case err != nil:
		return err
	}
	if injected.IsZero() {
		warning = ""
	}
	plan.Version = a.version
	return a.start(w, req.Chamber, plan, warning)
}
