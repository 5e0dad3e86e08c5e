package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

func (a *API) listSubjects(w http.ResponseWriter, r *http.Request) error {
	subjects, err := a.db.Subjects(r.Context())
	if err != nil {
		return err
	}
	if subjects == nil {
		subjects = []storage.Subject{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"subjects": subjects})
}

// subjectRequest is the body of POST /api/v1/subjects.
type subjectRequest struct {
	ID     string `json:"id"`
	Sex    string `json:"sex"`    // female, male or empty
	Strain string `json:"strain"` // e.g. Lister Hooded
	Cohort string `json:"cohort"`
	Born   string `json:"born"` // YYYY-MM-DD
	Notes  string `json:"notes"`
}

func (a *API) addSubject(w http.ResponseWriter, r *http.Request) error {
	var req subjectRequest
	if err := decode(w, r, a.maxBody, &req); err != nil {
		return err
	}
	if req.ID == "" {
		return fail(http.StatusUnprocessableEntity, "id: required")
	}
	if err := storage.CheckSubjectID(req.ID); err != nil {
		return fail(http.StatusUnprocessableEntity, "id: %v", err)
	}
	if req.Sex != "" && req.Sex != "female" && req.Sex != "male" {
		return fail(http.StatusUnprocessableEntity, "sex: want female, male or nothing, got %q", req.Sex)
	}
	if req.Born != "" {
		if _, err := time.Parse(time.DateOnly, req.Born); err != nil {
			return fail(http.StatusUnprocessableEntity, "born: want a date YYYY-MM-DD, got %q", req.Born)
		}
	}
	s := storage.Subject{ID: req.ID, Sex: req.Sex, Strain: req.Strain, Cohort: req.Cohort, Born: req.Born, Notes: req.Notes}
	err := a.storeSubject(r.Context(), s)
	switch {
	case errors.Is(err, storage.ErrExists):
		return fail(http.StatusConflict, "subject %q exists already", req.ID)
	case err != nil:
		return err
	}
	s, err = a.db.Subject(r.Context(), req.ID)
	if err != nil {
		return err
	}
	a.log.Info("subject added", "subject", s.ID)
	w.Header().Set("Location", "/api/v1/subjects/"+s.ID)
	return writeJSON(w, http.StatusCreated, s)
}

func (a *API) getSubject(w http.ResponseWriter, r *http.Request) error {
	s, err := a.db.Subject(r.Context(), r.PathValue("id"))
	if errors.Is(err, storage.ErrNotFound) {
		return fail(http.StatusNotFound, "unknown subject %q", r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s)
}

func (a *API) listConditions(w http.ResponseWriter, r *http.Request) error {
	cs, err := a.db.Conditions(r.Context())
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []storage.Condition{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"conditions": cs})
}
