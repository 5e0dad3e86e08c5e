// Package scenario runs scripted-subject scenario files (the format of
// docs/scenarios.md): one session of the real protocol on a
// simulated chamber in virtual time, reported as JSON and checked against
// the file's expectations. It is how the protocol is checked against the
// task's rules, by the project's tests and by labs validating a
// configuration before running animals.
package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
)

// A File is one parsed, validated scenario.
type File struct {
	Path        string
	Name        string
	Description string
	Rules       []string
	Params      protocols.Checked
	Script      sim.Script
	End         time.Duration
	Checkpoints []time.Duration
	Expect      json.RawMessage // nil when the file has none
	// Warnings are things in the file that do not stop it from running.
	Warnings []string
}

type fileJSON struct {
	Name          string          `json:"name"`
	Description   string          `json:"description"`
	Rules         []string        `json:"rules"`
	Protocol      json.RawMessage `json:"protocol"`
	Actions       []actionJSON    `json:"actions"`
	EndMs         *int64          `json:"end_ms"`
	CheckpointsMs []int64         `json:"checkpoints_ms"`
	Expect        json.RawMessage `json:"expect"`
}

type actionJSON struct {
	TMs  *int64 `json:"t_ms"`
	Kind string `json:"kind"`
	Hole *int   `json:"hole"`
}

var knownKeys = []string{"name", "description", "rules", "protocol", "actions", "end_ms", "checkpoints_ms", "expect"}

// Load reads and validates a scenario file.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Path = path
	return f, nil
}

// Parse reads and validates a scenario from its JSON text. Errors name the
// key or the action at fault.
func Parse(b []byte) (*File, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, jsonError(b, err)
	}
	f := &File{}
	var unknown []string
	for k := range raw {
		if !slices.Contains(knownKeys, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		f.Warnings = append(f.Warnings, fmt.Sprintf("unknown key %q ignored", k))
	}
	var fj fileJSON
	if err := json.Unmarshal(b, &fj); err != nil {
		return nil, jsonError(b, err)
	}
	f.Name, f.Description, f.Rules = fj.Name, fj.Description, fj.Rules
	if f.Name == "" {
		return nil, errors.New(`"name": missing`)
	}
	if fj.EndMs == nil {
		return nil, errors.New(`"end_ms": missing`)
	}
	if *fj.EndMs < 0 {
		return nil, fmt.Errorf(`"end_ms": must not be negative, got %d`, *fj.EndMs)
	}
	f.End = ms(*fj.EndMs)
	p := protocols.Default()
	var err error
	if len(fj.Protocol) > 0 && string(fj.Protocol) != "null" {
		if p, err = p.Override(fj.Protocol); err != nil {
			return nil, fmt.Errorf(`"protocol": %w`, err)
		}
	}
	if f.Params, err = p.Check(); err != nil {
		return nil, fmt.Errorf(`"protocol": %w`, err)
	}
	// A scripted run fixes its draws: variable values need their sequence.
	if len(p.ITIChoices) > 0 && p.ITISequence == nil {
		return nil, errors.New(`"protocol": iti_choices needs iti_sequence in a scenario`)
	}
	if len(p.StimulusDurations) > 0 && p.SDSequence == nil {
		return nil, errors.New(`"protocol": stimulus_durations needs sd_sequence in a scenario`)
	}
	if f.Script, err = script(fj.Actions, p.Holes); err != nil {
		return nil, err
	}
	for i, c := range fj.CheckpointsMs {
		if c < 0 || c > *fj.EndMs {
			return nil, fmt.Errorf(`"checkpoints_ms"[%d]: %d is outside [0, end_ms=%d]`, i, c, *fj.EndMs)
		}
		f.Checkpoints = append(f.Checkpoints, ms(c))
	}
	if len(fj.Expect) > 0 && string(fj.Expect) != "null" {
		f.Expect = fj.Expect
		if err := validateExpect(fj.Expect); err != nil {
			return nil, fmt.Errorf(`"expect": %w`, err)
		}
	}
	return f, nil
}

func ms(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

// script turns the actions into a scripted subject, refusing what a real
// subject cannot do.
func script(actions []actionJSON, holes int) (sim.Script, error) {
	var s sim.Script
	var broken [hardware.Magazine + 1]bool
	last := int64(-1)
	for i, a := range actions {
		where := fmt.Sprintf(`"actions"[%d]`, i)
		if a.TMs == nil {
			return nil, fmt.Errorf("%s: t_ms missing", where)
		}
		t := *a.TMs
		if t < 0 {
			return nil, fmt.Errorf("%s: t_ms %d is negative", where, t)
		}
		if t < last {
			return nil, fmt.Errorf("%s: t_ms %d is before the previous action's %d (actions must be in time order)", where, t, last)
		}
		last = t
		var in hardware.Input
		var entry bool
		switch a.Kind {
		case "poke", "poke_release":
			if a.Hole == nil {
				return nil, fmt.Errorf("%s: %s needs a hole", where, a.Kind)
			}
			if *a.Hole < 1 || *a.Hole > holes {
				return nil, fmt.Errorf("%s: hole %d does not exist (holes: %d)", where, *a.Hole, holes)
			}
			in, entry = hardware.Hole(*a.Hole), a.Kind == "poke"
		case "magazine", "magazine_release":
			if a.Hole != nil {
				return nil, fmt.Errorf("%s: %s takes no hole", where, a.Kind)
			}
			in, entry = hardware.Magazine, a.Kind == "magazine"
		default:
			return nil, fmt.Errorf("%s: unknown kind %q (poke, poke_release, magazine, magazine_release)", where, a.Kind)
		}
		if entry && broken[in] {
			return nil, fmt.Errorf("%s: %s at %d ms while that beam is already broken", where, a.Kind, t)
		}
		broken[in] = entry
		s = append(s, sim.Step{At: ms(t), Input: in, Entry: entry})
	}
	return s, nil
}

// jsonError turns a decoding error into one that names the line.
func jsonError(b []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
		err = fmt.Errorf("%q: want %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	if off < 0 {
		return err
	}
	line := 1 + bytes.Count(b[:min(off, int64(len(b)))], []byte("\n"))
	return fmt.Errorf("line %d: %w", line, err)
}

var expectKeys = []string{"trials", "counters", "measures", "outputs", "session"}

func validateExpect(raw json.RawMessage) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	for k := range m {
		if !slices.Contains(expectKeys, k) {
			return fmt.Errorf("unknown key %q (%s)", k, strings.Join(expectKeys, ", "))
		}
	}
	return nil
}
