package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// TestLabParameterSets drives the lab's own sets through the command as a
// user would: saved from flags and from a file, versioned, refused with
// the parameter named, listed in 'protocols --json' (one JSON document),
// and run: a session on a lab set records NAME@VERSION and its masked holes
// are never targets; a study pins the version it was created on.
func TestLabParameterSets(t *testing.T) {
	dir := t.TempDir()
	ok := func(args ...string) string {
		t.Helper()
		out, errOut, code := fivechoice(t, dir, append(args, "--db", "lab.db")...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	out := ok("protocol", "save", "three_choice", "--from", "baseline", "--iti", "7s", "--holes", "2,3,4", "--by", "AB", "--why", "3-choice pilot")
	if !strings.Contains(out, "three_choice version 1 saved") {
		t.Errorf("save: %s", out)
	}
	if out = ok("protocol", "save", "three_choice", "--from", "three_choice@1", "--sd", "1s", "--by", "AB", "--why", "too hard"); !strings.Contains(out, "version 2") {
		t.Errorf("second save: %s", out)
	}
	yml := "name: long_lh\nfrom: baseline\ndescription: LH 10s for old rats\nparams:\n  limited_hold: 10s\n"
	os.WriteFile(filepath.Join(dir, "set.yaml"), []byte(yml), 0o644)
	ok("protocol", "save", "--file", "set.yaml", "--by", "CD", "--why", "aged cohort")
	checkRefusals(t, dir)

	var doc struct {
		ParameterSets []struct {
			Name    string `json:"name"`
			Version int    `json:"version"`
			Params  struct {
				ITI         string `json:"iti"`
				SD          string `json:"stimulus_duration"`
				ActiveHoles []int  `json:"active_holes"`
			} `json:"params"`
		} `json:"parameter_sets"`
		Programmes []json.RawMessage `json:"programmes"`
	}
	js := ok("protocols", "--json")
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("protocols --json is not one JSON document: %v\n%s", err, js)
	}
	var got []string
	for _, s := range doc.ParameterSets {
		if s.Version > 0 {
			got = append(got, s.Name+"@"+s.Params.ITI+"/"+s.Params.SD)
		}
	}
	if !slices.Equal(got, []string{"long_lh@5s/500ms", "three_choice@7s/500ms", "three_choice@7s/1s"}) || len(doc.Programmes) == 0 || len(doc.ParameterSets) != len(protocols.Presets())+3 {
		t.Errorf("lab sets in protocols --json: %v (of %d sets, %d programmes)", got, len(doc.ParameterSets), len(doc.Programmes))
	}
	if out = ok("protocol", "show", "three_choice", "--version", "1"); !strings.Contains(out, `iti                           "7s"`) || !strings.Contains(out, "masked [1 5]") {
		t.Errorf("show --version 1:\n%s", out)
	}

	// A session on the set records NAME@VERSION and presents active holes only.
	ok("run", "--subject", "R01", "--new-subject", "--protocol", "three_choice", "--seed", "5", "--condition", "vehicle")
	ok("study", "create", "S1", "--subjects", "R01,R02", "--conditions", "vehicle,atx-1.0", "--protocol", "three_choice", "--seed", "3", "--washout", "0s", "--start", time.Now().Format(time.DateOnly), "--new-subjects")
	ok("protocol", "save", "three_choice", "--from", "baseline", "--iti", "9s", "--by", "AB", "--why", "after S1 began")
	ok("study", "run", "S1", "--simulated", "--subject", "R02", "--injected-ago", "30m")
	checkStored(t, filepath.Join(dir, "lab.db"))
	if out = ok("protocol", "history", "three_choice"); strings.Count(out, "\nthree_choice@") != 3 || !strings.Contains(out, "too hard        three_choice@1  2 ") || !strings.Contains(out, "after S1 began") {
		t.Errorf("history:\n%s", out)
	}
	if out = ok("protocols"); !strings.Contains(out, "three_choice  3") || !strings.Contains(out, "long_lh") {
		t.Errorf("protocols:\n%s", out)
	}
}

// checkRefusals: each bad save is refused naming what is wrong, and
// nothing of it is saved.
func checkRefusals(t *testing.T, dir string) {
	t.Helper()
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("name: bad_set\nfrom: baseline\nparams:\n  iti: 7s\n  limited_hold: 5ns\n  itti: 3s\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"baseline", "--from", "stage1", "--iti", "7s"}, "must not shadow"},
		{[]string{"x_set", "--from", "baseline", "--lh", "5ns"}, "parameter limited_hold: must be 10ms to 10m0s, got 5ns"},
		{[]string{"x_set", "--from", "baseline", "--holes", "2,6"}, "parameter active_holes[1]: hole 6 does not exist"},
		{[]string{"x_set", "--from", "baselin", "--iti", "7s"}, `from: unknown protocol "baselin"`},
		{[]string{"x_set", "--from", "baseline"}, "no change"},
		{[]string{"--file", "bad.yaml"}, `bad.yaml:6: protocol parameters: unknown parameter "itti"`},
	} {
		args := append([]string{"protocol", "save"}, c.args...)
		args = append(args, "--by", "AB", "--why", "test", "--db", "lab.db")
		_, errOut, code := fivechoice(t, dir, args...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want it refused saying %q", c.args, code, errOut, c.want)
		}
	}
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("name: bad_set\nfrom: baseline\nparams:\n  iti: 7s\n  limited_hold: 5ns\n"), 0o644)
	if _, errOut, _ := fivechoice(t, dir, "protocol", "save", "--file", "bad.yaml", "--by", "A", "--why", "B", "--db", "lab.db"); !strings.Contains(errOut, "bad.yaml:5: parameter limited_hold") {
		t.Errorf("a file's range error names no line: %s", errOut)
	}
	if _, errOut, _ := fivechoice(t, dir, "protocol", "save", "y_set", "--from", "baseline", "--iti", "7s", "--why", "B", "--db", "lab.db"); !strings.Contains(errOut, "--by") {
		t.Errorf("a save without --by: %s", errOut)
	}
	if out, _, _ := fivechoice(t, dir, "protocol", "list", "--db", "lab.db"); strings.Contains(out, "x_set") || strings.Contains(out, "bad_set") || strings.Contains(out, "y_set") {
		t.Errorf("a refused set was saved:\n%s", out)
	}
}

// checkStored: the run's session records three_choice@2 with its masked
// holes never a target; the study's session runs the version pinned when
// the study was created (2), not the one saved since (3).
func checkStored(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct{ subject, protocol, iti string }{{"R01", "three_choice@2", "7s"}, {"R02", "three_choice@2", "7s"}} {
		ss, err := db.Sessions(ctx, storage.Filter{Subject: c.subject})
		if err != nil || len(ss) != 1 {
			t.Fatalf("%s: sessions %v, %v", c.subject, ss, err)
		}
		s := ss[0]
		if s.Protocol != c.protocol || time.Duration(s.Params.ITI).String() != c.iti || !slices.Equal(s.Params.ActiveHoles, []int{2, 3, 4}) {
			t.Errorf("%s: session protocol %s, ITI %v, holes %v", c.subject, s.Protocol, time.Duration(s.Params.ITI), s.Params.ActiveHoles)
		}
		as, _ := db.Attempts(ctx, s.ID)
		for _, a := range as {
			if a.Target < 2 || a.Target > 4 {
				t.Fatalf("%s: attempt %d's target is masked hole %d", c.subject, a.N, a.Target)
			}
		}
		if len(as) < 50 {
			t.Errorf("%s: %d attempts", c.subject, len(as))
		}
	}
	if st, _ := db.Study(ctx, "S1"); st.Protocol != "three_choice@2" {
		t.Errorf("study protocol %q, want the version pinned at creation", st.Protocol)
	}
}
