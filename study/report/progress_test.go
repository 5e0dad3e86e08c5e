package report

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestProgress: with a plan, each test day without a completed session is
// listed with what happened to it (running, ended early, not run), the
// study is interim, and the rats' reasons reach the tests that drop them.
// Sessions outside the study's subjects and conditions are noted and left
// out.
func TestProgress(t *testing.T) {
	conds := atxConditions()[:3]
	t0 := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	in := Input{Study: "P", Conditions: conds, Subjects: []string{"R1", "R2", "R3"}}
	// R2's third day ended early; R3's second was not run, its third is running.
	state := map[string]SessionState{"R2 3": EndedEarly, "R3 2": "", "R3 3": Running}
	for i, s := range in.Subjects {
		for j, c := range conds {
			date := t0.AddDate(0, 0, 3*j)
			in.Plan = append(in.Plan, PlanDay{Subject: s, Day: j + 1, Condition: c.ID, Date: date.Format("2006-01-02")})
			st, ok := state[fmt.Sprintf("%s %d", s, j+1)]
			switch {
			case !ok:
				in.Sessions = append(in.Sessions, Session{ID: s + c.ID, Subject: s, Condition: c.ID, Day: j + 1, State: Completed,
					StartedAt: date, Values: map[string]float64{"premature": float64(10 + i - j)}})
			case st != "":
				in.Sessions = append(in.Sessions, Session{ID: s + c.ID, Subject: s, Condition: c.ID, Day: j + 1, State: st,
					EndReason: map[SessionState]string{EndedEarly: "aborted"}[st], StartedAt: date})
			}
		}
	}
	in.Sessions = append(in.Sessions, Session{ID: "x1", Subject: "R9", Condition: "vehicle", State: Completed})
	r := Compute(in, Options{})
	p := r.Progress
	if !r.Interim() || p.Planned != 9 || p.Done != 6 || len(p.Pending) != 3 {
		t.Fatalf("progress %+v", p)
	}
	want := []string{
		"R2 day 3 (atx-0.3, planned 2026-05-10): ended early, aborted (session R2atx-0.3); to be run again",
		"R3 day 2 (atx-0.1, planned 2026-05-07): not run yet",
		"R3 day 3 (atx-0.3, planned 2026-05-10): running now (session R3atx-0.3)",
	}
	for i, w := range want {
		if got := p.Pending[i].String(); got != w {
			t.Errorf("pending %d: %q, want %q", i, got, w)
		}
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "session x1") {
		t.Errorf("notes %v", r.Notes)
	}
	prem := measure(r, "premature")
	if a := prem.ANOVA; a.Status.String() != "undefined" || !strings.Contains(a.Reason, "only 1 rat has") || len(a.Dropped) != 2 {
		t.Errorf("ANOVA %+v", a.Verdict)
	}
	c := prem.Comparisons[1] // atx-0.3: R1 only
	if c.Ran || len(c.Dropped) != 2 || !strings.Contains(c.Dropped[0].Reason, "ended early (aborted)") || !strings.Contains(c.Dropped[1].Reason, "running now") {
		t.Errorf("atx-0.3 comparison %+v", c.Verdict)
	}
	if c := prem.Comparisons[0]; !c.Ran || c.Test.N != 2 || !c.Interim {
		t.Errorf("atx-0.1 comparison %+v", c)
	}
}
