package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestPages: lists are newest first and bounded, with "more" and a cursor
// (to=), and a session's attempts come in pages that add up to the whole
// (issue 12: one answer held 58 MB).
func TestPages(t *testing.T) {
	d := start(t)
	var ids []string
	for i := range 3 {
		if got := d.do("POST", "/api/v1/subjects", fmt.Sprintf(`{"id": "R0%d"}`, i+1), "", nil); got != http.StatusCreated {
			t.Fatalf("add subject: %d", got)
		}
		body := fmt.Sprintf(`{"subject": "R0%d", "protocol": "baseline", "condition": "vehicle", "params": %s}`, i+1,
			`{"iti": "50ms", "stimulus_duration": "50ms", "limited_hold": "100ms", "timeout": "50ms", "initiation": "auto", "free_pellet_at_start": false, "max_trials": 23}`)
		s := d.startSession("box3", body)
		d.waitFor(s.ID, 30*time.Second, func(s session) bool { return s.Status == "ended" })
		ids = append(ids, s.ID)
	}

	type list struct {
		Sessions []struct {
			ID        string
			StartedAt string `json:"started_at"`
		}
		More bool
	}
	var l list
	if got := d.do("GET", "/api/v1/sessions?limit=2", "", "", &l); got != http.StatusOK {
		t.Fatalf("list: %d", got)
	}
	if len(l.Sessions) != 2 || !l.More || l.Sessions[0].ID != ids[2] || l.Sessions[1].ID != ids[1] {
		t.Fatalf("limit=2: %+v, want %s, %s newest first and more", l, ids[2], ids[1])
	}
	var rest list
	d.do("GET", "/api/v1/sessions?limit=2&to="+url.QueryEscape(l.Sessions[1].StartedAt), "", "", &rest)
	if len(rest.Sessions) != 1 || rest.More || rest.Sessions[0].ID != ids[0] {
		t.Errorf("next page: %+v, want %s alone", rest, ids[0])
	}

	var whole session
	d.do("GET", "/api/v1/sessions/"+ids[0]+"?attempts=1", "", "", &whole)
	n := whole.Counters.Attempts
	if n < 23 || len(whole.Attempts) != n {
		t.Fatalf("whole session: %d attempts listed of %d", len(whole.Attempts), n)
	}
	after, seen := 0, 0
	for page := 0; ; page++ {
		var p struct {
			Attempts []struct{ N int }
			Next     int `json:"attempts_next"`
		}
		d.do("GET", fmt.Sprintf("/api/v1/sessions/%s?attempts=1&attempts_limit=7&attempts_after=%d", ids[0], after), "", "", &p)
		if len(p.Attempts) > 7 {
			t.Fatalf("page %d: %d attempts, limit 7", page, len(p.Attempts))
		}
		for _, a := range p.Attempts {
			seen++
			if a.N != seen {
				t.Fatalf("page %d: attempt %d, want %d", page, a.N, seen)
			}
		}
		if p.Next == 0 {
			break
		}
		if p.Next != seen {
			t.Fatalf("page %d: attempts_next %d after attempt %d", page, p.Next, seen)
		}
		after = p.Next
	}
	if seen != n {
		t.Errorf("pages held %d attempts, the session %d", seen, n)
	}

	for _, q := range []string{
		"/api/v1/sessions?status=bogus",
		"/api/v1/sessions?limit=0",
		"/api/v1/sessions?limit=1001",
		"/api/v1/sessions?limit=ten",
		"/api/v1/sessions/" + ids[0] + "?attempts=1&attempts_limit=0",
		"/api/v1/sessions/" + ids[0] + "?attempts=1&attempts_limit=5001",
		"/api/v1/sessions/" + ids[0] + "?attempts=1&attempts_after=-1",
	} {
		d.errorOf("GET", q, "", "", http.StatusBadRequest)
	}
}
