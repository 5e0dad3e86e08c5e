package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// FuzzRequestBodies sends arbitrary bodies to the API's two JSON
// endpoints that create things: whatever arrives, the answer is a JSON
// success or a 4xx naming the problem, never a 5xx, and a session that did
// start is stopped cleanly.
func FuzzRequestBodies(f *testing.F) {
	for _, s := range []string{
		`{"subject": "R01", "protocol": "baseline", "condition": "vehicle"}`,
		`{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"iti": "0s"}}`,
		`{"subject": "R01", "protocol": "stage9", "condition": "vehicle"}`,
		`{"subject": 7}`, `[]`, `{`, ``, `{"id": "R02", "sex": "female", "born": "2026-01-01"}`,
	} {
		f.Add(s)
	}
	d := start(f)
	d.do("POST", "/api/v1/subjects", `{"id": "R01"}`, "", nil)
	f.Fuzz(func(t *testing.T, body string) {
		d.t = t
		var out map[string]any
		code := d.do("POST", "/api/v1/chambers/box3/sessions", body, "", &out)
		switch code {
		case http.StatusCreated:
			id, _ := out["id"].(string)
			if c := d.do("POST", "/api/v1/sessions/"+id+"/stop", "", "", nil); c != http.StatusOK && c != http.StatusNotFound {
				t.Errorf("stop after a fuzzed start: HTTP %d", c)
			}
		case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
			if msg, _ := out["error"].(string); msg == "" {
				t.Errorf("HTTP %d without an error message for %q", code, body)
			}
		default:
			b, _ := json.Marshal(out)
			t.Errorf("start with %q: HTTP %d %s", body, code, b)
		}
		code = d.do("POST", "/api/v1/subjects", body, "", &out)
		if code >= 500 {
			t.Errorf("add subject with %q: HTTP %d", body, code)
		}
	})
}
