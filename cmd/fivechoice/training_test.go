package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestProtocolsJSON: `protocols --json` is one valid JSON document, the
// parameter sets and the training programmes in it.
func TestProtocolsJSON(t *testing.T) {
	out, errOut, code := fivechoice(t, t.TempDir(), "protocols", "--json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var doc struct {
		ParameterSets []struct{ Name string } `json:"parameter_sets"`
		Programmes    []struct {
			Name   string
			Stages []struct{ Name, Protocol string }
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	if len(doc.ParameterSets) < 10 || len(doc.Programmes) != 1 || len(doc.Programmes[0].Stages) != 9 {
		t.Errorf("document: %+v", doc)
	}
}

// TestSimulateTraining: a naive cohort through the built-in programme and
// through a lab's file; a wrong file is refused naming its line.
func TestSimulateTraining(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := fivechoice(t, dir, "simulate", "training", "--subjects", "6", "--seed", "3")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, want := range []string{"stage1 ", "baseline ", "total ", "of 6 rats reached the end of the programme"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	lab := filepath.Join(dir, "lab.yaml")
	writeFile(t, lab, "name: short\nstages:\n  - name: mag\n    protocol: magazine\n    advance: [pellets_collected >= 25]\n    sessions: 1\n"+
		"  - name: s1\n    protocol: stage1\n    advance: [correct >= 20]\n    sessions: 1\n")
	out, errOut, code = fivechoice(t, dir, "simulate", "training", "--programme", lab, "--subjects", "4", "--seed", "3")
	if code != 0 || !strings.Contains(out, "programme short") || !strings.Contains(out, "4 of 4 rats reached") {
		t.Errorf("lab programme: exit %d %s\n%s", code, errOut, out)
	}
	writeFile(t, lab, "name: short\nstages:\n  - name: s1\n    protocol: stage1\n    advance: [acuracy_pct > 80]\n    sessions: 2\n")
	_, errOut, code = fivechoice(t, dir, "simulate", "training", "--programme", lab)
	if code == 0 || !strings.Contains(errOut, "lab.yaml:5: stages[0].advance[0]") || !strings.Contains(errOut, `unknown measure "acuracy_pct"`) {
		t.Errorf("wrong programme: exit %d, %q", code, errOut)
	}
}
