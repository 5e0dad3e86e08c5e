package httpapi

import (
	"context"
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
	plan, warning, err := a.studyPlan(r.Context(), r.PathValue("name"), req)
	if err != nil {
		return err
	}
	return a.start(w, req.Chamber, plan, warning)
}

// studyPlan plans a subject's next test day of a study on a chamber, or
// says in an *apiError why it cannot run.
func (a *API) studyPlan(ctx context.Context, study string, req studyStartRequest) (controller.Plan, string, error) {
	if req.Subject == "" || req.Chamber == "" {
		return controller.Plan{}, "", fail(http.StatusUnprocessableEntity, "subject and chamber: required")
	}
	if _, err := a.chamber(req.Chamber); err != nil {
		return controller.Plan{}, "", err
	}
	st, err := a.db.Study(ctx, study)
	if errors.Is(err, storage.ErrNotFound) {
		return controller.Plan{}, "", fail(http.StatusNotFound, "%v", err)
	} else if err != nil {
		return controller.Plan{}, "", err
	}
	for _, c := range a.sup.Chambers() {
		if c.State == "running" && c.Subject == req.Subject {
			return controller.Plan{}, "", fail(http.StatusConflict, "subject %s is running on %s (session %s)", req.Subject, c.Name, c.SessionID)
		}
	}
	var injected time.Time
	if req.InjectedAt != nil {
		injected = *req.InjectedAt
	}
	var b [8]byte
	rand.Read(b[:])
	plan, warning, err := controller.PlanStudySession(ctx, a.db, st, req.Subject, time.Now(), injected, 10*time.Minute, binary.LittleEndian.Uint64(b[:])&math.MaxInt64)
	switch {
	case errors.Is(err, storage.ErrWashout), errors.Is(err, storage.ErrStudyDone):
		return plan, "", fail(http.StatusConflict, "%v", err)
	case errors.Is(err, storage.ErrNotFound):
		return plan, "", fail(http.StatusUnprocessableEntity, "%v", err)
	case err != nil:
		return plan, "", err
	}
	if injected.IsZero() {
		warning = ""
	}
	plan.Version = a.version
	return plan, warning, nil
}
