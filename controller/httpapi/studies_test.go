package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/study"
)

// TestStudySession: the study picks the subject's condition (a code in a
// blind study), the subject cannot run twice at once, and unknown studies
// are 404.
func TestStudySession(t *testing.T) {
	d := start(t)
	ctx := context.Background()
	for _, s := range []string{"R01", "R02"} {
		d.db.EnsureSubject(ctx, s)
	}
	orders, _ := study.Assign([]string{"R01", "R02"}, []string{"vehicle", "atx-1.0"}, 1)
	var plan []storage.PlanDay
	for s, o := range orders {
		for i, c := range o {
			plan = append(plan, storage.PlanDay{Subject: s, Day: i + 1, Condition: "B1/" + map[string]string{"vehicle": "A", "atx-1.0": "B"}[c], Date: "2026-12-01"})
		}
	}
	key := []storage.KeyEntry{{Code: "B1/A", Condition: "vehicle", Position: 1}, {Code: "B1/B", Condition: "atx-1.0", Position: 2}}
	if err := d.db.CreateStudy(ctx, storage.Study{Name: "B1", Design: "latin-square", Washout: 48 * time.Hour, Protocol: "baseline", Blind: true,
		StartDate: "2026-12-01", Subjects: []string{"R01", "R02"}, Conditions: []string{"B1/A", "B1/B"}}, plan, key); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if code := d.do("POST", "/api/v1/studies/B1/sessions", `{"subject": "R01", "chamber": "box3"}`, "", &out); code != http.StatusCreated {
		t.Fatalf("HTTP %d %v", code, out)
	}
	if c, _ := out["condition"].(string); !strings.HasPrefix(c, "B1/") {
		t.Errorf("condition %q: a blind study's session shows its code", c)
	}
	if code := d.do("POST", "/api/v1/studies/B1/sessions", `{"subject": "R01", "chamber": "box1"}`, "", &out); code != http.StatusConflict {
		t.Errorf("the same subject twice at once: HTTP %d", code)
	}
	if code := d.do("POST", "/api/v1/studies/B9/sessions", `{"subject": "R01", "chamber": "box1"}`, "", &out); code != http.StatusNotFound {
		t.Errorf("unknown study: HTTP %d", code)
	}
	if code := d.do("POST", "/api/v1/studies/B1/sessions", `{"subject": "R01", "chamber": "box1"}`, "none", &out); code != http.StatusUnauthorized {
		t.Errorf("no token: HTTP %d", code)
	}
}
