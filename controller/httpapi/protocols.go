package httpapi

import (
	"errors"
	"net/http"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// protocolView is one parameter set as the API lists it: a built-in one
// (no version) or a version of the lab's own (docs/protocols.md).
type protocolView struct {
	Name string `json:"name"`
	// Ref is what a session records and a start request may name.
	Ref         string           `json:"ref"`
	Version     int              `json:"version,omitempty"`
	Description string           `json:"description"`
	BasedOn     string           `json:"based_on,omitempty"`
	SavedBy     string           `json:"saved_by,omitempty"`
	Why         string           `json:"why,omitempty"`
	Sessions    *int             `json:"sessions,omitempty"`
	Params      protocols.Params `json:"params"`
}

func labView(p storage.ParamSet) protocolView {
	n := p.Sessions
	return protocolView{Name: p.Name, Ref: p.Set().Ref(), Version: p.Version, Description: p.Description,
		BasedOn: p.BasedOn, SavedBy: p.By, Why: p.Why, Sessions: &n, Params: p.Params}
}

// listProtocols is GET /api/v1/protocols: the built-in sets, then every
// version of every lab set.
func (a *API) listProtocols(w http.ResponseWriter, r *http.Request) error {
	var out []protocolView
	for _, p := range protocols.Presets() {
		out = append(out, protocolView{Name: p.Name, Ref: p.Name, Description: p.Description, Params: p.Params})
	}
	lab, err := a.db.ParamSets(r.Context())
	if err != nil {
		return err
	}
	for _, p := range lab {
		out = append(out, labView(p))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"protocols": out})
}

// getProtocol is GET /api/v1/protocols/{name}: a built-in set, a lab
// set's latest version, or NAME@VERSION.
func (a *API) getProtocol(w http.ResponseWriter, r *http.Request) error {
	set, err := a.db.FindSet(r.Context(), r.PathValue("name"))
	switch {
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrInvalid):
		return fail(http.StatusNotFound, "%v", err)
	case err != nil:
		return err
	case set.Version == 0:
		return writeJSON(w, http.StatusOK, protocolView{Name: set.Name, Ref: set.Ref(), Description: "built in", Params: set.Params})
	}
	p, err := a.db.ParamSet(r.Context(), set.Name, set.Version)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, labView(p))
}
