package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

func (a *API) listChambers(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"chambers": a.sup.Chambers()})
}

func (a *API) getChamber(w http.ResponseWriter, r *http.Request) error {
	st, err := a.chamber(r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

// chamber is one chamber's live state, or a 404 that lists the chambers.
func (a *API) chamber(name string) (controller.ChamberStatus, error) {
	st, err := a.sup.Chamber(name)
	if errors.Is(err, controller.ErrUnknownChamber) {
		var names []string
		for _, c := range a.sup.Chambers() {
			names = append(names, c.Name)
		}
		return st, fail(http.StatusNotFound, "unknown chamber %q (chambers: %s)", name, strings.Join(names, ", "))
	}
	return st, err
}

// startRequest is the body of POST /api/v1/chambers/{name}/sessions.
type startRequest struct {
	Subject   string          `json:"subject"`
	Protocol  string          `json:"protocol"`
	Condition string          `json:"condition"`
	Params    json.RawMessage `json:"params"` // overrides of the protocol's parameters
	Seed      *uint64         `json:"seed"`   // nil: a fresh random seed, recorded
}

func (a *API) startSession(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if _, err := a.chamber(name); err != nil {
		return err
	}
	var req startRequest
	if err := decode(w, r, a.maxBody, &req); err != nil {
		return err
	}
	plan, err := a.plan(r.Context(), req)
	if err != nil {
		return err
	}
	return a.start(w, name, plan, "")
}

// start starts a planned session on a chamber and answers 201 with it.
func (a *API) start(w http.ResponseWriter, name string, plan controller.Plan, warning string) error {
	plan, err := a.launch(name, plan)
	if err != nil {
		return err
	}
	return a.started201(w, plan, warning)
}

// launch starts a planned session on a chamber and returns the plan with
// its session id; every refusal is an *apiError that says why.
func (a *API) launch(name string, plan controller.Plan) (controller.Plan, error) {
	id, err := a.sup.Start(name, plan)
	var pe *protocols.ParamError
	switch {
	case errors.Is(err, controller.ErrBusy):
		return plan, fail(http.StatusConflict, "%v: stop its session first", err)
	case errors.Is(err, controller.ErrUnknownChamber):
		return plan, fail(http.StatusNotFound, "%v", err)
	case errors.Is(err, controller.ErrUnavailable):
		return plan, fail(http.StatusConflict, "%v", err)
	case errors.Is(err, controller.ErrShuttingDown):
		return plan, fail(http.StatusServiceUnavailable, "the daemon is shutting down")
	case errors.Is(err, storage.ErrSubjectRunning):
		return plan, fail(http.StatusConflict, "%v: one animal, one chamber; stop that session first", err)
	case errors.Is(err, storage.ErrCannotRecord):
		return plan, fail(http.StatusServiceUnavailable, "session not started: %v; free space or fix the disk (the daemon retries by itself every second)", err)
	case errors.Is(err, storage.ErrNotFound), errors.As(err, &pe):
		return plan, fail(http.StatusUnprocessableEntity, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	case err != nil:
		// Most likely the chamber's hardware would not open; the operator
		// needs the reason, and the request was authenticated.
		a.log.Error("session did not start", "chamber", name, "err", err)
		return plan, fail(http.StatusInternalServerError, "session did not start: %v", err)
	}
	plan.ID, plan.Chamber = id, name
	a.remember(plan)
	a.log.Info("session started", "chamber", name, "session", id, "subject", plan.Subject,
		"condition", plan.Condition, "protocol", plan.Protocol, "seed", plan.Params.Seed)
	return plan, nil
}

// started201 answers 201 with a session just started.
func (a *API) started201(w http.ResponseWriter, plan controller.Plan, warning string) error {
	w.Header().Set("Location", "/api/v1/sessions/"+plan.ID)
	v := planView(plan)
	if live, ok := a.sup.Live(plan.ID); ok {
		v.live(live)
	}
	if warning != "" {
		w.Header().Set("Warning", `299 fivechoice "`+strings.ReplaceAll(warning, `"`, "'")+`"`)
	}
	return writeJSON(w, http.StatusCreated, v)
}

// plan checks a start request and turns it into a plan. Every refusal is a
// 422 that names what is wrong.
func (a *API) plan(ctx context.Context, req startRequest) (controller.Plan, error) {
	var plan controller.Plan
	if req.Subject == "" {
		return plan, fail(http.StatusUnprocessableEntity, "subject: required")
	}
	if _, err := a.db.Subject(ctx, req.Subject); errors.Is(err, storage.ErrNotFound) {
		return plan, fail(http.StatusUnprocessableEntity, "unknown subject %q: add it first (POST /api/v1/subjects)", req.Subject)
	} else if err != nil {
		return plan, err
	}
	if req.Condition == "" {
		return plan, fail(http.StatusUnprocessableEntity, "condition: required (GET /api/v1/conditions lists them)")
	}
	if _, err := a.db.Condition(ctx, req.Condition); errors.Is(err, storage.ErrNotFound) {
		return plan, fail(http.StatusUnprocessableEntity, "unknown condition %q (GET /api/v1/conditions lists them)", req.Condition)
	} else if err != nil {
		return plan, err
	}
	if req.Protocol == "" {
		names, err := a.db.SetNames(ctx)
		if err != nil {
			return plan, err
		}
		return plan, fail(http.StatusUnprocessableEntity, "protocol: required (one of %s)", strings.Join(names, ", "))
	}
	// A built-in set, or the lab's own (its latest version, or NAME@VERSION);
	// the session records NAME@VERSION.
	set, err := a.db.FindSet(ctx, req.Protocol)
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrInvalid) {
		return plan, fail(http.StatusUnprocessableEntity, "%v", err)
	} else if err != nil {
		return plan, err
	}
	params := set.Params
	if p := bytes.TrimSpace(req.Params); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(p, &keys); err != nil {
			return plan, fail(http.StatusUnprocessableEntity, `params: want a JSON object of parameter overrides, e.g. {"iti": "7s"}`)
		}
		if _, ok := keys["seed"]; ok {
			return plan, fail(http.StatusUnprocessableEntity, `params: parameter "seed": give the seed as the request's own "seed" field`)
		}
		if params, err = params.Override(p); err != nil {
			return plan, fail(http.StatusUnprocessableEntity, "%v", err)
		}
	}
	switch {
	case req.Seed == nil:
		params.Seed = newSeed()
	case *req.Seed > math.MaxInt64:
		return plan, fail(http.StatusUnprocessableEntity, "seed: want 0 to %d", int64(math.MaxInt64))
	default:
		params.Seed = *req.Seed
	}
	// The supervisor checks the parameters, once, when it starts the
	// session: a refusal comes back from start as a 422.
	return controller.Plan{Provenance: storage.Provenance{Subject: req.Subject, Condition: req.Condition, Protocol: set.Ref(), Params: params, Version: a.version}}, nil
}

// newSeed draws a seed that fits SQLite's signed 64-bit integers.
func newSeed() uint64 {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return binary.LittleEndian.Uint64(b[:]) & math.MaxInt64
}

// remember keeps a started session's plan until it is in the database, and
// forgets those of sessions that have ended.
func (a *API) remember(plan controller.Plan) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id := range a.started {
		if _, running := a.sup.Live(id); !running {
			delete(a.started, id)
		}
	}
	a.started[plan.ID] = plan
}

func (a *API) remembered(id string) (controller.Plan, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.started[id]
	return p, ok
}
