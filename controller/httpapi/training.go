package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/training"
)

// Training (issue 14): each rat's stage, its history, enrolment, moves by
// hand, and today's training session, whose stage the rat's state chooses.

// trainingStartRequest is the body of POST /api/v1/chambers/{name}/training.
type trainingStartRequest struct {
	Subject string  `json:"subject"`
	Seed    *uint64 `json:"seed"`
	Again   bool    `json:"again"` // a second training session today, on purpose
}

// stageRequest is the body of enrol and move.
type stageRequest struct {
	Programme string `json:"programme"` // enrol: default the built-in 5csrtt
	Stage     string `json:"stage"`     // enrol: default the first; move: required
	By        string `json:"by"`
	Why       string `json:"why"`
	Latest    bool   `json:"latest"` // move: onto the programme's latest version
}

// lookup is the parameter sets training stages may name: built-in and
// the lab's own (docs/protocols.md).
func (a *API) lookup() training.Lookup { return a.db.Lookup(context.Background()) }

func (a *API) startTraining(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if _, err := a.chamber(name); err != nil {
		return err
	}
	var req trainingStartRequest
	if err := decode(w, r, a.maxBody, &req); err != nil {
		return err
	}
	if req.Subject == "" {
		return fail(http.StatusUnprocessableEntity, "subject: required")
	}
	seed := newSeed()
	if req.Seed != nil {
		seed = *req.Seed
	}
	plan, err := controller.PlanTraining(r.Context(), a.db, req.Subject, a.lookup(), time.Now(), req.Again, seed)
	if err != nil {
		return trainingError(err)
	}
	plan.Version = a.version
	return a.start(w, name, plan, "")
}

// trainingError turns a training refusal into the status that says why.
func trainingError(err error) error {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return fail(http.StatusNotFound, "%v", err)
	case errors.Is(err, controller.ErrTrainedToday), errors.Is(err, storage.ErrTraining):
		return fail(http.StatusConflict, "%v", err)
	case errors.Is(err, storage.ErrInvalid):
		return fail(http.StatusUnprocessableEntity, "%v", err)
	}
	return fail(http.StatusUnprocessableEntity, "%v", err)
}

func (a *API) listTraining(w http.ResponseWriter, r *http.Request) error {
	st, err := controller.Status(r.Context(), a.db)
	if err != nil {
		return err
	}
	if st == nil {
		st = []controller.RatStatus{}
	}
	return writeJSON(w, http.StatusOK, st)
}

func (a *API) getTraining(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	subject := r.PathValue("subject")
	status, err := controller.StatusOf(ctx, a.db, subject)
	if err != nil {
		return trainingError(err)
	}
	hist, err := a.db.StageHistory(ctx, subject)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"status": status, "history": hist})
}

func (a *API) changeStage(enrol bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req stageRequest
		if err := decode(w, r, a.maxBody, &req); err != nil {
			return err
		}
		subject := r.PathValue("subject")
		if _, err := a.db.Subject(r.Context(), subject); err != nil {
			return fail(http.StatusNotFound, "unknown subject %q: add it first (POST /api/v1/subjects)", subject)
		}
		var c storage.StageChange
		var err error
		if enrol {
			c, err = controller.Enrol(r.Context(), a.db, subject, req.Programme, req.Stage, req.By, req.Why, a.lookup(), time.Now())
		} else {
			if req.Stage == "" && !req.Latest {
				return fail(http.StatusUnprocessableEntity, "stage: required")
			}
			c, err = controller.Move(r.Context(), a.db, subject, req.Stage, req.By, req.Why, req.Latest, time.Now())
		}
		if err != nil {
			return trainingError(err)
		}
		a.log.Info("training stage change", "subject", subject, "action", c.Action, "from", c.From, "to", c.To, "by", c.By, "reason", c.Reason)
		return writeJSON(w, http.StatusCreated, c)
	}
}
