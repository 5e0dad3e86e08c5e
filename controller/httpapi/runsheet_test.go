package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// TestRunSheet plans two squads on box3 through the API, starts the first
// rat from its entry, sees the sheet mark it running then ran with the
// second rat next, and checks the refusals: an unknown subject named, a
// squad taken, an entry started twice, a started entry removed.
func TestRunSheet(t *testing.T) {
	d := start(t)
	for _, id := range []string{"R01", "R02"} {
		d.do(http.MethodPost, "/api/v1/subjects", `{"id": "`+id+`"}`, "", nil)
	}
	add := func(body string) (storage.RunEntry, int) {
		var e storage.RunEntry
		code := d.do(http.MethodPost, "/api/v1/runsheet", body, "", &e)
		return e, code
	}
	first, code := add(`{"chamber": "box3", "subject": "R01", "protocol": "baseline", "condition": "vehicle"}`)
	if code != http.StatusCreated || first.Squad != 1 || first.Day != time.Now().Format(time.DateOnly) {
		t.Fatalf("first entry: %d %+v", code, first)
	}
	second, code := add(`{"chamber": "box3", "subject": "R02", "protocol": "baseline", "condition": "vehicle"}`)
	if code != http.StatusCreated || second.Squad != 2 {
		t.Fatalf("second entry: %d %+v", code, second)
	}
	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{`{"chamber": "box3", "subject": "R9", "protocol": "baseline", "condition": "vehicle"}`, http.StatusUnprocessableEntity, "subject R9"},
		{`{"chamber": "box3", "subject": "R01", "protocol": "fast", "condition": "vehicle"}`, http.StatusUnprocessableEntity, "fast"},
		{`{"chamber": "box9", "subject": "R01", "protocol": "baseline", "condition": "vehicle"}`, http.StatusNotFound, "box9"},
		{`{"chamber": "box3", "squad": "1", "subject": "R02", "protocol": "baseline", "condition": "vehicle"}`, http.StatusConflict, "squad 1"},
		{`{"chamber": "box3", "subject": "R02", "study": "S1", "condition": "vehicle"}`, http.StatusUnprocessableEntity, "either a study"},
	} {
		if msg := d.errorOf(http.MethodPost, "/api/v1/runsheet", tc.body, "", tc.code); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q, want it to name %s", tc.body, msg, tc.want)
		}
	}
	b := d.browser()
	b.login(token)
	entry := "/api/v1/runsheet/" + strconv.FormatInt(first.ID, 10)
	if _, page := b.get("/runsheet"); !strings.Contains(page, `data-entry="`+strconv.FormatInt(first.ID, 10)+`"`) || strings.Contains(page, `data-entry="`+strconv.FormatInt(second.ID, 10)+`"`) {
		t.Error("run sheet: the first rat should be box3's next, with the only Start")
	}
	var s session
	if code := d.do(http.MethodPost, entry+"/start", `{}`, "", &s); code != http.StatusCreated || s.Subject != "R01" || s.Chamber != "box3" {
		t.Fatalf("start from the sheet: %d %+v", code, s)
	}
	if msg := d.errorOf(http.MethodPost, entry+"/start", `{}`, "", http.StatusConflict); !strings.Contains(msg, "started already") {
		t.Errorf("started twice: %q", msg)
	}
	if msg := d.errorOf(http.MethodPost, entry+"/remove", ``, "", http.StatusConflict); !strings.Contains(msg, "record of what ran") {
		t.Errorf("removing a started entry: %q", msg)
	}
	if _, page := b.get("/runsheet"); !strings.Contains(page, `<td class="running">`) {
		t.Error("run sheet: the started entry is not marked running")
	}
	d.do(http.MethodPost, "/api/v1/sessions/"+s.ID+"/stop", "", "", nil)
	_, page := b.get("/runsheet")
	if !strings.Contains(page, `<td class="failed">`) || !strings.Contains(page, `data-entry="`+strconv.FormatInt(second.ID, 10)+`"`) {
		t.Errorf("run sheet after the stop: want the first failed (stopped) and the second startable\n%s", page)
	}
}
