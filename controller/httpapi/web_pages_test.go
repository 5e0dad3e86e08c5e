package httpapi_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestControlRoomPages runs two short sessions and reads them back
// through the pages: the subject's list, newest first, with its trend;
// the session's trials and events; the CSV downloads with a row per
// trial and per event; a missing session is a 404 page.
func TestControlRoomPages(t *testing.T) {
	d := start(t)
	d.do(http.MethodPost, "/api/v1/subjects", `{"id": "R01"}`, "", nil)
	var ids []string
	for range 2 {
		s := d.startSession("box3", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"max_trials": 6}}`)
		d.waitFor(s.ID, time.Minute, func(s session) bool { return s.Status == "ended" })
		ids = append(ids, s.ID)
	}
	for _, id := range ids { // the pages' scoring agrees with the database's view
		viewed, err := d.db.Summary(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if scored, err := d.db.Scored(context.Background(), id); err != nil || !reflect.DeepEqual(scored, viewed) {
			t.Errorf("session %s: scored %+v, %v; the view says %+v", id, scored, err, viewed)
		}
	}
	b := d.browser()
	b.login(token)
	_, page := b.get("/subjects/R01")
	first, second := strings.Index(page, "/sessions/"+ids[1]), strings.Index(page, "/sessions/"+ids[0])
	if first < 0 || second < 0 || first > second {
		t.Errorf("subject page: want both sessions, newest first (at %d and %d)", first, second)
	}
	if !strings.Contains(page, `<polyline class="acc" points="4,`) {
		t.Error("subject page: no accuracy trend")
	}
	if _, page := b.get("/subjects"); !strings.Contains(page, `<td class="n">2</td>`) {
		t.Error("subject list: R01 should have 2 sessions")
	}
	resp, page := b.get("/sessions/" + ids[0])
	if resp.StatusCode != http.StatusOK || strings.Count(page, `<span class="o-`) < 6 || !strings.Contains(page, "max_trials") {
		t.Errorf("session page: %d, %d trials shown\n%s", resp.StatusCode, strings.Count(page, `<span class="o-`), page)
	}
	for _, tc := range []struct {
		what, header string
		atLeast      int
	}{{"trials.csv", "session_id,n,outcome,target", 6}, {"events.csv", "session_id,seq,t_ms,kind", 20}} {
		resp, body := b.get("/sessions/" + ids[0] + "/" + tc.what)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if resp.StatusCode != http.StatusOK || err != nil || !strings.HasPrefix(body, tc.header) || len(rows)-1 < tc.atLeast {
			t.Errorf("%s: %d, %v, %d rows\n%.200s", tc.what, resp.StatusCode, err, len(rows)-1, body)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("%s: Content-Disposition %q", tc.what, cd)
		}
	}
	if resp, _ := b.get("/sessions/nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown session: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/studies/nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown study: %d", resp.StatusCode)
	}
}
