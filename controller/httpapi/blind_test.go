package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/study"
	"github.com/fivechoice/fivechoice/study/blinding"
)

// TestBlindStudyOverHTTP: while a study is blind and its key sealed, its
// session, the session list, its page in the control room and its report
// show codes and no real condition, and the code conditions say nothing;
// once unblinded with the passphrase, every one of them names the real
// conditions and no code.
func TestBlindStudyOverHTTP(t *testing.T) {
	d := start(t)
	ctx := context.Background()
	for _, s := range []string{"R01", "R02"} {
		d.db.EnsureSubject(ctx, s)
	}
	p, err := study.Design{Name: "B1", Subjects: []string{"R01", "R02"}, Conditions: []string{"vehicle", "atx-1.0"},
		Start: time.Now(), Washout: 48 * time.Hour, Seed: 3, Protocol: "baseline", Blind: true}.Plan()
	if err != nil {
		t.Fatal(err)
	}
	phrase := func() ([]byte, error) { return []byte("the PI's passphrase"), nil }
	if _, err := blinding.Create(ctx, d.db, p, phrase); err != nil {
		t.Fatal(err)
	}
	var s session
	if code := d.do("POST", "/api/v1/studies/B1/sessions", `{"subject": "R01", "chamber": "box3"}`, "", &s); code != http.StatusCreated {
		t.Fatalf("start: HTTP %d", code)
	}
	real := p.Orders["R01"][0]
	b := d.browser()
	b.login(token)
	seen := func(paths ...string) string {
		var all strings.Builder
		for _, path := range paths {
			var body string
			if strings.HasPrefix(path, "/api/") {
				var raw any
				d.do("GET", path, "", "", &raw)
				body = stringify(raw)
			} else {
				_, body = b.get(path)
			}
			all.WriteString(path + ": " + body + "\n")
		}
		return all.String()
	}
	paths := []string{"/api/v1/sessions/" + s.ID, "/api/v1/sessions?study=B1", "/studies/B1", "/studies/B1/report", "/sessions/" + s.ID}
	blind := seen(paths...)
	code := func(text string) bool { return strings.Contains(text, "B1/A") || strings.Contains(text, "B1/B") }
	if strings.Contains(blind, "atx-1.0") || strings.Contains(blind, "atomoxetine") || !code(blind) {
		t.Errorf("while blind:\n%s", blind)
	}
	var conds struct{ Conditions []map[string]any }
	d.do("GET", "/api/v1/conditions", "", "", &conds)
	for _, c := range conds.Conditions {
		if id, _ := c["id"].(string); strings.HasPrefix(id, "B1/") && (c["drug"] != "blinded" || c["dose_mg_per_kg"] != 0.0) {
			t.Errorf("code condition %v", c)
		}
	}
	if _, _, err := blinding.Unblind(ctx, d.db, "B1", "Dr Jones", phrase, time.Now()); err != nil {
		t.Fatal(err)
	}
	var after session
	d.do("GET", "/api/v1/sessions/"+s.ID, "", "", &after)
	if after.Condition != real {
		t.Errorf("after unblinding the session's condition is %q, want %q", after.Condition, real)
	}
	open := seen(paths...)
	if code(open) || !strings.Contains(open, "atx-1.0") || !strings.Contains(open, "vehicle") {
		t.Errorf("after unblinding:\n%s", open)
	}
}

// stringify is a decoded JSON value as text.
func stringify(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
