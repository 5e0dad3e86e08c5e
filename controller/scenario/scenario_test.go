package scenario

import (
	"path/filepath"
	"strings"
	"testing"
)

// runDir checks every scenario file in dir and returns how many ran.
func runDir(t *testing.T, dir string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if f.Expect == nil {
				t.Fatal("no expectations: a scenario that checks nothing cannot fail")
			}
			out, err := Run(f)
			if err != nil {
				t.Fatal(err)
			}
			diffs, err := Check(f, out)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diffs {
				t.Error(d)
			}
		})
	}
	return len(files)
}

// TestProjectScenarios runs the project's own scenarios: every rule R1-R26
// has at least one (see testdata/scenarios/README.md).
func TestProjectScenarios(t *testing.T) {
	n := runDir(t, filepath.Join("..", "..", "testdata", "scenarios"))
	if n < 40 {
		t.Errorf("only %d project scenarios; the suite must keep at least 40", n)
	}
}

// TestProjectScenariosCoverEveryRule checks that the scenario files name
// every rule of docs/rules.md among them.
func TestProjectScenariosCoverEveryRule(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "scenarios", "*.json"))
	covered := map[string]bool{}
	for _, path := range files {
		f, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Rules) == 0 {
			t.Errorf("%s names no rules", path)
		}
		for _, r := range f.Rules {
			covered[r] = true
		}
	}
	for i := 1; i <= 26; i++ {
		r := "R" + itoa(i)
		if !covered[r] {
			t.Errorf("no scenario checks %s", r)
		}
	}
	if !covered["R20a"] {
		t.Error("no scenario checks R20a")
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// TestSpecExamples runs the worked examples of the task description the
// rules came from, carried in testdata/scenarios/spec-examples with their
// expected results (the project's own, testdata/scenarios, cover every rule
// without them).
func TestSpecExamples(t *testing.T) {
	if n := runDir(t, filepath.Join("..", "..", "testdata", "scenarios", "spec-examples")); n < 14 {
		t.Errorf("%d spec examples found, want the 14 of the task description", n)
	}
}

// TestBadScenarios: bad input gets an error naming what and where.
func TestBadScenarios(t *testing.T) {
	base := `"name": "x", "end_ms": 1000`
	tests := []struct{ json, want string }{
		{`{` + base + `, "actions": [{"t_ms": 0, "kind": "magazine"}, {"t_ms": 10, "kind": "magazine"}]}`, `"actions"[1]: magazine at 10 ms while that beam is already broken`},
		{`{` + base + `, "actions": [{"t_ms": 5, "kind": "poke", "hole": 6}]}`, `"actions"[0]: hole 6 does not exist`},
		{`{` + base + `, "actions": [{"t_ms": 5, "kind": "poke"}]}`, `"actions"[0]: poke needs a hole`},
		{`{` + base + `, "actions": [{"t_ms": 5, "kind": "lick"}]}`, `"actions"[0]: unknown kind "lick"`},
		{`{` + base + `, "actions": [{"t_ms": 5, "kind": "magazine"}, {"t_ms": 4, "kind": "magazine_release"}]}`, `"actions"[1]: t_ms 4 is before`},
		{`{` + base + `, "actions": [{"kind": "magazine"}]}`, `"actions"[0]: t_ms missing`},
		{`{` + base + `, "actions": [{"t_ms": -1, "kind": "magazine"}]}`, `negative`},
		{`{"name": "x", "actions": []}`, `"end_ms": missing`},
		{`{"end_ms": 5}`, `"name": missing`},
		{`{` + base + `, "protocol": {"holes": 12}}`, `parameter holes`},
		{`{` + base + `, "protocol": {"itii": "5s"}}`, `unknown parameter "itii"`},
		{`{` + base + `, "protocol": {"iti_choices": ["7s", "9s"]}}`, `iti_choices needs iti_sequence`},
		{`{` + base + `, "protocol": {"stimulus_durations": ["1s"]}}`, `stimulus_durations needs sd_sequence`},
		{`{` + base + `, "protocol": {"targets": [1, 7]}}`, `targets[1]`},
		{`{` + base + `, "checkpoints_ms": [2000]}`, `"checkpoints_ms"[0]: 2000 is outside`},
		{`{` + base + `, "expect": {"trails": []}}`, `unknown key "trails"`},
		{"{\n" + base + ",\n \"actions\": [{\"t_ms\": \"soon\"}]}", `line 3`},
		{`{` + base + `,}`, `line 1`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.json))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%s)\n  = %v\n want an error containing %q", tt.json, err, tt.want)
		}
	}
}

func TestUnknownTopLevelKeyWarns(t *testing.T) {
	f, err := Parse([]byte(`{"name": "x", "end_ms": 0, "comment": "hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], `"comment"`) {
		t.Errorf("warnings %v", f.Warnings)
	}
}

// TestRunDryTargetListIsAnError: an attempt that begins with no target left
// makes the run fail, as the format says, rather than inventing a target.
func TestRunDryTargetListIsAnError(t *testing.T) {
	f, err := Parse([]byte(`{"name": "dry", "end_ms": 30000, "protocol": {"targets": [1], "initiation": "auto"},
		"actions": [{"t_ms": 0, "kind": "magazine"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(f); err == nil || !strings.Contains(err.Error(), "no target left") {
		t.Errorf("Run = %v, want an error about the target list", err)
	}
}

// TestCheckReportsDifferences: a check can fail.
func TestCheckReportsDifferences(t *testing.T) {
	f, err := Parse([]byte(`{"name": "c", "end_ms": 6000, "protocol": {"targets": [3]},
		"actions": [{"t_ms": 0, "kind": "magazine"}, {"t_ms": 5200, "kind": "poke", "hole": 3}],
		"checkpoints_ms": [5100],
		"expect": {"trials": [{"n": 1, "outcome": "incorrect", "response_latency_ms": 250}],
		           "counters": {"correct": 2}, "measures": {"accuracy_pct": 99.0, "incorrect_latency_mean_ms": null},
		           "outputs": [{"t_ms": 5100, "stimulus": [4]}], "session": {"end_reason": "max_trials"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(f)
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := Check(f, out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"trials[n=1].outcome", "trials[n=1].response_latency_ms", "counters.correct", "measures.accuracy_pct", "outputs[t_ms=5100].stimulus", "session.end_reason"}
	joined := strings.Join(diffs, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("no difference reported for %s; got:\n%s", w, joined)
		}
	}
	if strings.Contains(joined, "incorrect_latency_mean_ms") {
		t.Errorf("a matching null reported as a difference:\n%s", joined)
	}
}
