package training

import (
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/protocols"
)

func session(id, end string, correct int, acc, om float64) Session {
	return Session{ID: id, EndReason: end, Summary: protocols.Summary{
		Counters: protocols.Counters{Correct: correct},
		Measures: protocols.Measures{AccuracyPct: &acc, OmissionsPct: &om}}}
}

func TestBuiltinIsTheSpec(t *testing.T) {
	p := Builtin()
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range p.Stages {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "magazine stage1 stage2 stage3 stage4 stage5 stage6 stage7 baseline" {
		t.Errorf("stages %s", got)
	}
}

// TestDecide: two consecutive sessions that count and meet every criterion
// advance; a session that ended early (stopped, aborted, interrupted)
// neither counts nor breaks the streak; a miss breaks it; fall-back after
// its own streak.
func TestDecide(t *testing.T) {
	p := Builtin()
	const ok, stop = protocols.EndMaxTrials, protocols.EndStopped
	for _, tc := range []struct {
		name     string
		at       int
		sessions []Session
		action   string
		reason   string
	}{
		{"none yet", 5, nil, Stay, "no session"},
		{"one good", 5, []Session{session("a", ok, 60, 85, 5)}, Stay, "1 of 2 consecutive"},
		{"two good", 5, []Session{session("a", ok, 60, 85, 5), session("b", ok, 55, 81, 10)}, Advance, "sessions a, b met correct >= 50, accuracy_pct > 80"},
		{"good, miss, good", 5, []Session{session("a", ok, 60, 85, 5), session("b", ok, 40, 90, 5), session("c", ok, 60, 85, 5)}, Stay, "1 of 2"},
		{"accuracy 80 is not above 80", 5, []Session{session("a", ok, 60, 85, 5), session("b", ok, 60, 80, 5)}, Stay, "missed accuracy_pct > 80 (80)"},
		{"a stopped session does not count", 5, []Session{session("a", ok, 60, 85, 5), session("s", stop, 0, 0, 0), session("b", ok, 60, 85, 5)}, Advance, "sessions a, b"},
		{"nor does an aborted good one", 5, []Session{session("a", ok, 60, 85, 5), session("x", protocols.EndAborted, 90, 99, 0)}, Stay, "1 of 2"},
		{"time limit counts", 1, []Session{session("a", protocols.EndTimeLimit, 31, 50, 50), session("b", protocols.EndTimeLimit, 30, 50, 50)}, Advance, "correct >= 30"},
		{"baseline falls back", 8, []Session{session("a", ok, 60, 55, 5), session("b", ok, 60, 50, 5)}, FallBack, "fall-back"},
	} {
		d := p.Decide(tc.at, tc.sessions)
		if d.Action != tc.action || !strings.Contains(d.Reason, tc.reason) {
			t.Errorf("%s: %+v, want %s with %q", tc.name, d, tc.action, tc.reason)
		}
	}
	if d := p.Decide(5, []Session{session("a", ok, 60, 85, 5), session("b", ok, 60, 85, 5)}); d.To != "stage6" {
		t.Errorf("advanced to %q", d.To)
	}
}

// TestParseNamesTheLine: a lab's programme with a mistake is refused with
// the file, the line and what is wrong, before any rat runs on it.
func TestParseNamesTheLine(t *testing.T) {
	good := "name: lab\nstages:\n  - name: s1\n    protocol: stage1\n    advance: [correct >= 20]\n    sessions: 3\n" +
		"  - name: base\n    protocol: baseline\n    advance: [\"accuracy_pct > 75\", \"omissions_pct < 25\"]\n    sessions: 2\n"
	p, err := Parse("lab.yaml", []byte(good))
	if err != nil || len(p.Stages) != 2 || p.Stages[0].Sessions != 3 || p.Stages[1].Advance[0].Value != 75 {
		t.Fatalf("good programme: %+v %v", p, err)
	}
	for _, tc := range []struct{ doc, want string }{
		{strings.Replace(good, "correct >= 20", "corect >= 20", 1), `lab.yaml:5: stages[0].advance[0]: criterion "corect >= 20": unknown measure "corect"`},
		{strings.Replace(good, "correct >= 20", "correct => 20", 1), `lab.yaml:5: stages[0].advance[0]: criterion "correct => 20": unknown comparison`},
		{strings.Replace(good, "    sessions: 3\n", "    sesions: 3\n", 1), `lab.yaml:6: stages[0]: unknown key "sesions"`},
		{strings.Replace(good, "advance: [correct >= 20]", "advance: []", 1), "lab.yaml:3: stages[0] (s1): no criteria to advance"},
		{strings.Replace(good, "protocol: stage1", "protocol: stage9", 1), "lab.yaml:3: stages[0] (s1): protocol"},
		{strings.Replace(good, "name: base", "name: s1", 1), "lab.yaml:7: stages[1] (s1): the name is used twice"},
		{strings.Replace(good, "correct >= 20", "pellets_collected >= 20", 1), "lab.yaml:3: stages[0] (s1): criterion pellets_collected >= 20 does not apply to a task stage"},
		{strings.Replace(good, "accuracy_pct > 75", "accuracy_pct >= 175", 1), `lab.yaml:9: stages[1].advance[0]: criterion "accuracy_pct >= 175": accuracy_pct is a percentage, 0 to 100`},
		{strings.Replace(good, "correct >= 20", "correct >= -1", 1), "correct is never negative"},
		{strings.Replace(good, "    sessions: 2\n", "    sessions: 2\n    fall_back_sessions: 2\n", 1), "lab.yaml:7: stages[1] (base): fall_back_sessions without fall_back criteria"},
		{strings.Replace(good, "    sessions: 3\n", "    sessions: 3\n    sessions: 4\n", 1), `lab.yaml:7: stages[0]: "sessions" is given twice`},
		{strings.Replace(good, "    sessions: 3\n", "    sessions: 0\n", 1), "lab.yaml:3: stages[0] (s1): sessions 0: want 1 to 30"},
		{strings.Replace(good, "sessions: 3", "sessions: three", 1), "lab.yaml:6: stages[0].sessions: want a whole number"},
		{"name: x\nstages: 3\n", "lab.yaml:2: stages: want a list"},
	} {
		if _, err := Parse("lab.yaml", []byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want %q, got %v", tc.want, err)
		}
	}
}
