package paramsets

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
)

// TestParseAndBuild: a file's every problem is named with its line; a good
// one builds the variant over its base.
func TestParseAndBuild(t *testing.T) {
	for _, c := range []struct {
		name, yml, want string
	}{
		{"unknown key", "name: a\nfrom: baseline\ncolour: red\n", "set.yaml:3: unknown key \"colour\""},
		{"params not a mapping", "name: a\nfrom: baseline\nparams: [1]\n", "set.yaml:3: params: want a mapping"},
		{"not yaml", "name: [a\n", "set.yaml: yaml:"},
		{"unknown parameter", "name: a\nfrom: baseline\nparams:\n  iti: 7s\n  hole: 3\n", `set.yaml:5: protocol parameters: unknown parameter "hole"`},
		{"out of range", "name: a\nfrom: baseline\nparams:\n  iti: 7s\n  timeout: 2h\n", "set.yaml:5: parameter timeout: must be 10ms to 10m0s, got 2h0m0s"},
		{"wrong type", "name: a\nfrom: baseline\nparams:\n  max_trials: many\n", `set.yaml:4: protocol parameters: parameter "max_trials": want int`},
		{"masked hole list", "name: a\nfrom: baseline\nparams:\n  active_holes: [2, 9]\n", "set.yaml:4: parameter active_holes[1]: hole 9 does not exist"},
		{"seed", "name: a\nfrom: baseline\nparams:\n  seed: 4\n", "set.yaml:4: parameter seed"},
		{"no base", "name: a\nparams:\n  iti: 7s\n", "from: which set"},
		{"unknown base", "name: a\nfrom: basline\nparams:\n  iti: 7s\n", `from: unknown protocol "basline"`},
	} {
		d, err := Parse("set.yaml", []byte(c.yml))
		if err == nil {
			_, _, err = d.Build(protocols.Builtin)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	d, err := Parse("set.yaml", []byte("name: three_choice\nfrom: stage7\ndescription: 3-choice\nparams:\n  active_holes: [2, 3, 4]\n  iti: 7s\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, base, err := d.Build(protocols.Builtin)
	if err != nil || base != "stage7" || time.Duration(p.ITI) != 7*time.Second || time.Duration(p.StimulusDuration) != time.Second || !slices.Equal(p.ActiveHoles, []int{2, 3, 4}) {
		t.Errorf("built %+v from %q, %v", p, base, err)
	}
	if s := d.Summary(); s != "variant of stage7: active_holes [2,3,4], iti 7s" {
		t.Errorf("summary %q", s)
	}
}
