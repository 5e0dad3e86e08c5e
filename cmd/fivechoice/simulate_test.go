package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimulate(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout (or stderr for usage)
	}{
		{"validate passes", []string{"simulate", "validate", "--seed", "5"}, 0, "overall: PASS"},
		{"too few rats to be decisive fail", []string{"simulate", "validate", "--seed", "5", "--rats", "8"}, 1, "overall: FAIL"},
		{"no subcommand", []string{"simulate"}, 2, "validate"},
		{"unknown subcommand", []string{"simulate", "nonsense"}, 2, "unknown subcommand"},
		{"help", []string{"simulate", "-h"}, 0, "Subcommands:"},
		{"listed in the commands", []string{"help"}, 0, "simulate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := fivechoice(t, t.TempDir(), tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d (want %d); output lacks %q?\n%s%s", code, tt.code, tt.want, out, errOut)
			}
		})
	}
}

// TestSimulatePower runs the power command small: the table by group size,
// the figures of speed, the sentence for a licence application and the
// plots; bad input named.
func TestSimulatePower(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := fivechoice(t, dir, "simulate", "power", "--conditions", "vehicle,atx-0.3,atx-1.0", "--subjects", "6,12",
		"--studies", "20", "--seed", "5", "--plots", "plots")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"atx-1.0 vs vehicle", "\n     6 ", "\n    12 ", "sessions/s); one core alone:", "Group size was justified by simulation",
		"Assumptions:", "plots/power.png"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	for _, f := range []string{"power.png", "power.svg"} {
		if fi, err := os.Stat(filepath.Join(dir, "plots", f)); err != nil || fi.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--measure", "prematures"}, `measure "prematures"`},
		{[]string{"--subjects", "12..6"}, "--subjects"},
		{[]string{"--conditions", "vehicle,atx-9"}, "--conditions: condition atx-9"},
		{[]string{"--studies", "3"}, "studies: 3"},
	} {
		_, errOut, code := fivechoice(t, dir, append([]string{"simulate", "power", "--subjects", "6"}, tc.args...)...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
}
