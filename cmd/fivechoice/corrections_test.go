package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEditAndHistory: subject edit and condition edit from the command
// line, with their trails; what is refused says why and changes nothing.
func TestEditAndHistory(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		out, errOut, code := fivechoice(t, dir, append(args, "--db", "x.db")...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	run("subject", "add", "R01", "--sex", "male")
	run("condition", "add", "atx-y", "--drug", "atomoxetine", "--dose", "0")
	run("run", "--subject", "R01", "--condition", "vehicle", "--protocol", "baseline", "--chamber", "sim", "--seed", "3")
	if out := run("subject", "edit", "R01", "--sex", "F", "--born", "2025-10-01", "--by", "ana", "--why", "sexed wrong at arrival"); !strings.Contains(out, `sex "male" -> "female"`) {
		t.Errorf("edit: %s", out)
	}
	run("condition", "edit", "atx-y", "--dose", "0.3", "--by", "ana", "--why", "dose left out when added")
	run("study", "create", "B", "--subjects", "R01", "--conditions", "vehicle,atx-3.0", "--blind", "--passphrase-file", writePassphrase(t, dir, testPassphrase))
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"subject", "edit", "R01", "--sex", "M", "--why", "x"}, "who (--by) and why (--why) are both required"},
		{[]string{"subject", "edit", "R01", "--sex", "M", "--by", "ana"}, "both required"},
		{[]string{"subject", "edit", "R1O", "--sex", "M", "--by", "ana", "--why", "x"}, "did you mean R01"},
		{[]string{"condition", "edit", "vehicle", "--dose", "1", "--by", "ana", "--why", "x"}, "make a new condition"},
		{[]string{"condition", "edit", "atx-3.0", "--dose", "2", "--by", "ana", "--why", "x"}, "used by study B"},
		{[]string{"condition", "edit", "B/A", "--notes", "x", "--by", "ana", "--why", "x"}, "blind study's code"},
		{[]string{"condition", "edit", "atx-y", "--dose", "x", "--by", "ana", "--why", "x"}, `want mg/kg, 0 or more, got "x"`},
	} {
		if _, errOut, code := fivechoice(t, dir, append(c.args, "--db", "x.db")...); code == 0 || !strings.Contains(errOut, c.says) {
			t.Errorf("%v: exit %d, %q; want refused saying %q", c.args, code, errOut, c.says)
		}
	}
	var trail []struct{ Field, Old, New, By, Why string }
	if err := json.Unmarshal([]byte(run("subject", "history", "R01", "--json")), &trail); err != nil {
		t.Fatal(err)
	}
	if len(trail) != 2 || trail[1].Field != "sex" || trail[1].Old != "male" || trail[1].New != "female" || trail[1].Why != "sexed wrong at arrival" {
		t.Errorf("subject history: %+v", trail)
	}
	if out := run("condition", "history", "atx-y"); !strings.Contains(out, "dose_mg_per_kg") || !strings.Contains(out, "dose left out when added") {
		t.Errorf("condition history:\n%s", out)
	}
	if out := run("subject", "list"); !strings.Contains(out, "female") {
		t.Errorf("the edit did not stick:\n%s", out)
	}
}
