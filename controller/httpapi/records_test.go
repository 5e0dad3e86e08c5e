package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRecordsOverAPI: what the command line does to the records, over the
// API: a session excluded and reinstated, notes on it and on its rat, body
// weights, corrections of a subject and a condition with their history;
// every change needs the token (or a login from the same origin), and bad
// JSON and unknown ids are refused naming them.
func TestRecordsOverAPI(t *testing.T) {
	d := start(t)
	d.do(http.MethodPost, "/api/v1/subjects", `{"id": "R01", "sex": "male"}`, "", nil)
	s := d.startSession("box3", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"max_trials": 5}}`)
	d.waitFor(s.ID, time.Minute, func(s session) bool { return s.Status != "running" })
	sess := "/api/v1/sessions/" + s.ID

	// Exclusion and reinstatement.
	if code := d.do(http.MethodPost, sess+"/exclude", `{"by": "ana", "why": "dispenser jammed"}`, "", nil); code != http.StatusOK {
		t.Fatalf("exclude: %d", code)
	}
	if msg := d.errorOf(http.MethodPost, sess+"/exclude", `{"by": "ana", "why": "again"}`, "", http.StatusConflict); !strings.Contains(msg, "already excluded") {
		t.Errorf("excluded twice: %q", msg)
	}
	if code := d.do(http.MethodPost, sess+"/reinstate", `{"by": "ana", "why": "the other box jammed"}`, "", nil); code != http.StatusOK {
		t.Errorf("reinstate: %d", code)
	}
	// Notes and weights.
	var notes struct{ Notes []struct{ By, Text string } }
	if code := d.do(http.MethodPost, sess+"/notes", `{"by": "ana", "text": "slow to start"}`, "", &notes); code != http.StatusCreated || len(notes.Notes) != 1 {
		t.Errorf("session note: %d %+v", code, notes)
	}
	d.do(http.MethodPost, "/api/v1/subjects/R01/notes", `{"by": "ben", "text": "sneezing"}`, "", nil)
	if d.do(http.MethodGet, "/api/v1/subjects/R01/notes", "", "", &notes); len(notes.Notes) != 1 || notes.Notes[0].Text != "sneezing" {
		t.Errorf("subject notes: %+v", notes)
	}
	var weight struct {
		Grams float64
		Pct   *float64 `json:"pct_free_feeding"`
	}
	if code := d.do(http.MethodPost, "/api/v1/subjects/R01/weights", `{"day": "2026-03-01", "grams": 300, "by": "ana"}`, "", &weight); code != http.StatusCreated || weight.Pct != nil {
		t.Errorf("first weight: %d %+v", code, weight)
	}
	if code := d.do(http.MethodPost, "/api/v1/subjects/R01/weights", `{"day": "2026-03-02", "grams": 290, "free_feeding_grams": 350, "by": "ana"}`, "", &weight); code != http.StatusCreated || weight.Pct == nil || *weight.Pct > 83 {
		t.Errorf("second weight: %d %+v", code, weight)
	}
	var weights struct{ Weights []struct{ Day string } }
	if d.do(http.MethodGet, "/api/v1/subjects/R01/weights", "", "", &weights); len(weights.Weights) != 2 {
		t.Errorf("weights: %+v", weights)
	}
	// Corrections.
	var made struct {
		Corrections []struct{ Field, Old, New string }
	}
	if code := d.do(http.MethodPost, "/api/v1/subjects/R01/corrections", `{"set": {"sex": "F"}, "by": "ana", "why": "sexed wrong"}`, "", &made); code != http.StatusCreated ||
		len(made.Corrections) != 1 || made.Corrections[0].New != "female" {
		t.Errorf("subject correction: %d %+v", code, made)
	}
	d.do(http.MethodPost, "/api/v1/conditions/atx-3.0/corrections", `{"set": {"dose_mg_per_kg": 2.5}, "by": "ana", "why": "mislabelled"}`, "", nil)
	if d.do(http.MethodGet, "/api/v1/conditions/atx-3.0/corrections", "", "", &made); len(made.Corrections) != 1 || made.Corrections[0].New != "2.5" {
		t.Errorf("condition history: %+v", made)
	}
	recordRefusals(t, d, sess)
	// Every change needs the token; a login from the page's own origin
	// will do, one from another site will not.
	for _, p := range []string{sess + "/exclude", sess + "/reinstate", sess + "/notes", "/api/v1/subjects/R01/notes",
		"/api/v1/subjects/R01/weights", "/api/v1/subjects/R01/corrections", "/api/v1/conditions/vehicle/corrections"} {
		d.errorOf(http.MethodPost, p, `{}`, "none", http.StatusUnauthorized)
	}
	b := d.browser()
	b.login(token)
	if resp, body := b.send(http.MethodPost, "/api/v1/subjects/R01/notes", "application/json", `{"by": "cat", "text": "from the page"}`); resp.StatusCode != http.StatusCreated {
		t.Errorf("note from the control room: %d %s", resp.StatusCode, body)
	}
	b.origin = "http://evil.example"
	if resp, _ := b.send(http.MethodPost, "/api/v1/subjects/R01/corrections", "application/json", `{"set": {"sex": "M"}, "by": "x", "why": "x"}`); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site correction: %d, want 403", resp.StatusCode)
	}
}

// recordRefusals: bad JSON and unknown ids are refused, naming them.
func recordRefusals(t *testing.T, d *daemon, sess string) {
	t.Helper()
	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"POST", sess + "/exclude", `{"by": "ana"`, http.StatusBadRequest, "malformed JSON"},
		{"POST", sess + "/exclude", `{"by": "ana", "why": "x", "reason": "y"}`, http.StatusBadRequest, `unknown field "reason"`},
		{"POST", sess + "/exclude", `{"by": "ana"}`, http.StatusUnprocessableEntity, "who and why are both required"},
		{"POST", "/api/v1/sessions/nope/exclude", `{"by": "ana", "why": "x"}`, http.StatusNotFound, "nope"},
		{"GET", "/api/v1/sessions/nope/notes", ``, http.StatusNotFound, "nope"},
		{"POST", "/api/v1/subjects/R1O/notes", `{"by": "ana", "text": "x"}`, http.StatusNotFound, "did you mean R01"},
		{"GET", "/api/v1/subjects/R1O/weights", ``, http.StatusNotFound, "did you mean R01"},
		{"POST", "/api/v1/subjects/R01/weights", `{"day": "2026-03-02", "grams": 291, "by": "ana"}`, http.StatusUnprocessableEntity, "has a weight for 2026-03-02 already"},
		{"POST", "/api/v1/subjects/R01/weights", `{"grams": "heavy", "by": "ana"}`, http.StatusBadRequest, `field "grams"`},
		{"POST", "/api/v1/subjects/R01/corrections", `{"set": {"colour": "white"}, "by": "ana", "why": "x"}`, http.StatusUnprocessableEntity, `no field "colour"`},
		{"POST", "/api/v1/subjects/R01/corrections", `{"set": {"sex": ["F"]}, "by": "ana", "why": "x"}`, http.StatusBadRequest, "set.sex"},
		{"POST", "/api/v1/conditions/vehicle/corrections", `{"set": {"route": "s.c."}, "by": "ana", "why": "x"}`, http.StatusConflict, "make a new condition"},
		{"GET", "/api/v1/conditions/atx-9/corrections", ``, http.StatusNotFound, "atx-9"},
	} {
		if msg := d.errorOf(tc.method, tc.path, tc.body, "", tc.code); !strings.Contains(msg, tc.want) {
			t.Errorf("%s %s %s: %q, want it to say %q", tc.method, tc.path, tc.body, msg, tc.want)
		}
	}
}
