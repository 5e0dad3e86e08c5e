package main

import (
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
