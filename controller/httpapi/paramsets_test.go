package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// TestSessionOnLabSet: the daemon starts a session on a lab's own set by
// name (its latest version) and records NAME@VERSION; a study created on a
// lab set runs the version it pinned; the control room's start form offers
// the lab's sets; unknown names and a built-in with a version are 422s.
func TestSessionOnLabSet(t *testing.T) {
	d := start(t)
	ctx := context.Background()
	d.db.EnsureSubject(ctx, "R01")
	d.db.EnsureSubject(ctx, "R02")
	p, err := protocols.Default().Override([]byte(fast))
	if err != nil {
		t.Fatal(err)
	}
	p.ActiveHoles = []int{2, 3, 4}
	save := func(why string) {
		if _, err := d.db.SaveParamSet(ctx, storage.ParamSet{Name: "fast_3choice", BasedOn: "baseline", Params: p, By: "test", Why: why}); err != nil {
			t.Fatal(err)
		}
	}
	save("first")
	save("second")
	s := d.startSession("box3", `{"subject": "R01", "protocol": "fast_3choice", "condition": "vehicle"}`)
	if s.Protocol != "fast_3choice@2" {
		t.Errorf("started protocol %q, want fast_3choice@2", s.Protocol)
	}
	s = d.waitFor(s.ID, time.Minute, func(s session) bool { return s.Status == "ended" })
	stored, err := d.db.Session(ctx, s.ID)
	if err != nil || stored.Protocol != "fast_3choice@2" || len(stored.Params.ActiveHoles) != 3 {
		t.Errorf("stored %+v, %v", stored.Provenance, err)
	}
	atts, _ := d.db.Attempts(ctx, s.ID)
	for _, a := range atts {
		if a.Target == 1 || a.Target == 5 {
			t.Errorf("attempt %d: target %d is masked", a.N, a.Target)
		}
	}

	if err := d.db.CreateStudy(ctx, storage.Study{Name: "L1", Design: "latin-square", Washout: 0, Protocol: "fast_3choice@1",
		StartDate: "2026-12-01", Subjects: []string{"R02"}, Conditions: []string{"vehicle"}},
		[]storage.PlanDay{{Subject: "R02", Day: 1, Condition: "vehicle", Date: "2026-12-01"}}, nil); err != nil {
		t.Fatal(err)
	}
	save("third, after the study began")
	var out map[string]any
	if code := d.do("POST", "/api/v1/studies/L1/sessions", `{"subject": "R02", "chamber": "box2"}`, "", &out); code != http.StatusCreated || out["protocol"] != "fast_3choice@1" {
		t.Errorf("study session: HTTP %d, protocol %v; want the pinned fast_3choice@1", code, out["protocol"])
	}

	for body, want := range map[string]string{
		`{"subject": "R01", "protocol": "fast_3choise", "condition": "vehicle"}`:   "did you mean fast_3choice",
		`{"subject": "R01", "protocol": "fast_3choice@9", "condition": "vehicle"}`: "versions 1 to 3",
		`{"subject": "R01", "protocol": "baseline@2", "condition": "vehicle"}`:     "built in and has no versions",
		`{"subject": "R01", "condition": "vehicle"}`:                               "short_sd, fast_3choice",
	} {
		if msg := d.errorOf("POST", "/api/v1/chambers/box1/sessions", body, "", http.StatusUnprocessableEntity); !strings.Contains(msg, want) {
			t.Errorf("%s: %q, want it to say %q", body, msg, want)
		}
	}
	var list struct {
		Protocols []struct {
			Ref      string
			Sessions *int
		}
	}
	if code := d.do("GET", "/api/v1/protocols", "", "", &list); code != http.StatusOK || len(list.Protocols) != len(protocols.Presets())+3 ||
		list.Protocols[len(list.Protocols)-2].Ref != "fast_3choice@2" || *list.Protocols[len(list.Protocols)-2].Sessions != 1 {
		t.Errorf("GET /api/v1/protocols: HTTP %d, %+v", code, list)
	}
	var one struct{ Ref, Why string }
	if code := d.do("GET", "/api/v1/protocols/fast_3choice@1", "", "", &one); code != http.StatusOK || one.Ref != "fast_3choice@1" || one.Why != "first" {
		t.Errorf("GET /api/v1/protocols/fast_3choice@1: HTTP %d, %+v", code, one)
	}
	if msg := d.errorOf("GET", "/api/v1/protocols/nope", "", "", http.StatusNotFound); !strings.Contains(msg, "unknown protocol") {
		t.Errorf("unknown set: %q", msg)
	}
	b := d.browser()
	b.login(token)
	if _, page := b.get("/"); !strings.Contains(page, `<option value="fast_3choice">fast_3choice</option>`) {
		t.Error("the start form does not offer the lab's set")
	}
}
