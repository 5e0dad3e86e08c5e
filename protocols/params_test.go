package protocols

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDefaultsAreTheSpecs(t *testing.T) {
	// Section 2 of docs/rules.md, parameter by parameter.
	p := Default()
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"holes", p.Holes, 5},
		{"stimulus_duration", time.Duration(p.StimulusDuration), 500 * time.Millisecond},
		{"iti", time.Duration(p.ITI), 5 * time.Second},
		{"limited_hold", time.Duration(p.LimitedHold), 5 * time.Second},
		{"limited_hold_from", p.LimitedHoldFrom, "stimulus_offset"},
		{"timeout", time.Duration(p.Timeout), 5 * time.Second},
		{"timeout_houselight", p.TimeoutHouseLight, "off"},
		{"timeout_restarts_on_response", p.TimeoutRestartsOnResponse, false},
		{"premature_punished", p.PrematurePunished, true},
		{"initiation", p.Initiation, "magazine"},
		{"free_pellet_at_start", p.FreePelletAtStart, true},
		{"max_trials", p.MaxTrials, 100},
		{"max_duration", time.Duration(p.MaxDuration), 30 * time.Minute},
		{"at_time_limit", p.AtTimeLimit, "stop"},
		{"location_schedule", p.LocationSchedule, "balanced"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if _, err := p.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNamesTheParameter(t *testing.T) {
	tests := []struct {
		json  string
		param string
	}{
		{`{"holes": 2}`, "holes"},
		{`{"holes": 10}`, "holes"},
		{`{"stimulus_duration": "0s"}`, "stimulus_duration"},
		{`{"iti": "-1s"}`, "iti"},
		{`{"limited_hold": "0s"}`, "limited_hold"},
		{`{"timeout": "-5s"}`, "timeout"},
		{`{"max_duration": "0s"}`, "max_duration"},
		{`{"max_trials": 0}`, "max_trials"},
		{`{"iti_choices": []}`, "iti_choices"},
		{`{"stimulus_durations": []}`, "stimulus_durations"},
		{`{"iti_choices": ["5s", "0s"]}`, "iti_choices[1]"},
		{`{"targets": [1, 6]}`, "targets[1]"},
		{`{"holes": 3, "targets": [4]}`, "targets[0]"},
		{`{"targets": [0]}`, "targets[0]"},
		{`{"limited_hold_from": "onset"}`, "limited_hold_from"},
		{`{"initiation": "nose"}`, "initiation"},
		{`{"at_time_limit": "wait"}`, "at_time_limit"},
		{`{"location_schedule": "random"}`, "location_schedule"},
		{`{"timeout_houselight": "dim"}`, "timeout_houselight"},
		{`{"iti_sequence": ["5s"]}`, "iti_sequence"},
		{`{"iti_choices": ["7s", "9s"], "iti_sequence": ["7s", "8s"]}`, "iti_sequence[1]"},
		{`{"stimulus_durations": ["1s"], "sd_sequence": ["2s"]}`, "sd_sequence[0]"},
		// Issue 12: typos that ran before ranges existed.
		{`{"iti": "1ns"}`, "iti"},
		{`{"iti": "5ns"}`, "iti"},
		{`{"iti": "1000000h"}`, "iti"},
		{`{"stimulus_duration": "9ms"}`, "stimulus_duration"},
		{`{"limited_hold": "11m"}`, "limited_hold"},
		{`{"timeout": "1us"}`, "timeout"},
		{`{"max_duration": "25h"}`, "max_duration"},
		{`{"max_trials": 10001}`, "max_trials"},
		{`{"iti_choices": ["7s", "1ms"]}`, "iti_choices[1]"},
		{`{"stimulus_durations": ["1h"]}`, "stimulus_durations[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			p, err := Default().Override([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Check()
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("Check() = %v, want a ParamError", err)
			}
			if !strings.Contains(err.Error(), "parameter "+tt.param+":") {
				t.Errorf("error %q does not name %s", err, tt.param)
			}
			if _, err := NewSession(p); err == nil {
				t.Error("NewSession accepted invalid parameters")
			}
		})
	}
}

// TestRangesInMessages: a refused duration says the range it must lie in,
// and the ends of each range are accepted.
func TestRangesInMessages(t *testing.T) {
	for _, param := range []string{"stimulus_duration", "iti", "limited_hold", "timeout", "max_duration"} {
		lo, hi, ok := DurationRange(param)
		if !ok {
			t.Fatalf("%s: no range", param)
		}
		for _, d := range []time.Duration{lo, hi} {
			p, err := Default().Override([]byte(fmt.Sprintf(`{%q: %q}`, param, d)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Check(); err != nil {
				t.Errorf("%s = %v refused: %v", param, d, err)
			}
		}
		p, _ := Default().Override([]byte(fmt.Sprintf(`{%q: %q}`, param, hi+time.Millisecond)))
		_, err := p.Check()
		want := fmt.Sprintf("must be %v to %v", lo, hi)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s above range: %v, want %q", param, err, want)
		}
	}
}

func TestOverrideRefusesUnknownAndBadValues(t *testing.T) {
	tests := []struct{ json, want string }{
		{`{"itii": "5s"}`, `unknown parameter "itii"`},
		{`{"iti": "five seconds"}`, `bad duration "five seconds"`},
		{`{"holes": "5"}`, `parameter "holes"`},
		{`{"iti": 5}`, "iti"},
	}
	for _, tt := range tests {
		_, err := Default().Override([]byte(tt.json))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Override(%s) = %v, want error containing %q", tt.json, err, tt.want)
		}
	}
	p, err := Default().Override([]byte(`{"iti": "7s", "initiation": "auto"}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.ITI != Duration(7*time.Second) || p.Initiation != "auto" || p.Holes != 5 {
		t.Errorf("Override kept %+v", p)
	}
}

func TestPresets(t *testing.T) {
	// Section 8's table.
	want := map[string][3]time.Duration{
		"stage1":   {30 * time.Second, 2 * time.Second, 30 * time.Second},
		"stage2":   {20 * time.Second, 2 * time.Second, 20 * time.Second},
		"stage3":   {10 * time.Second, 5 * time.Second, 10 * time.Second},
		"stage4":   {5 * time.Second, 5 * time.Second, 5 * time.Second},
		"stage5":   {2500 * time.Millisecond, 5 * time.Second, 5 * time.Second},
		"stage6":   {1250 * time.Millisecond, 5 * time.Second, 5 * time.Second},
		"stage7":   {time.Second, 5 * time.Second, 5 * time.Second},
		"baseline": {500 * time.Millisecond, 5 * time.Second, 5 * time.Second},
		"long_iti": {500 * time.Millisecond, 7 * time.Second, 5 * time.Second},
		"short_sd": {250 * time.Millisecond, 5 * time.Second, 5 * time.Second},
	}
	for name, w := range want {
		p, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		got := [3]time.Duration{time.Duration(p.StimulusDuration), time.Duration(p.ITI), time.Duration(p.LimitedHold)}
		if got != w {
			t.Errorf("%s: SD, ITI, LH = %v, want %v", name, got, w)
		}
		if _, err := p.Check(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	v, _ := Lookup("variable_iti")
	if len(v.ITIChoices) != 4 || v.ITIChoices[0] != Duration(7*time.Second) || v.ITIChoices[3] != Duration(13*time.Second) {
		t.Errorf("variable_iti choices = %v", v.ITIChoices)
	}
	if _, err := Lookup("stage8"); err == nil || !strings.Contains(err.Error(), "baseline") {
		t.Errorf("Lookup(stage8) = %v, want an error listing the presets", err)
	}
	if len(PresetNames()) != 12 {
		t.Errorf("%d presets, want 12", len(PresetNames()))
	}
}

func TestParamsJSONRoundTrip(t *testing.T) {
	p, _ := Lookup("variable_iti")
	p.Seed = 1<<62 + 7
	q, err := Params{}.Override(p.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if string(q.JSON()) != string(p.JSON()) {
		t.Errorf("round trip:\n%s\n%s", p.JSON(), q.JSON())
	}
}

// TestCheckedCannotChange: a checked set is the set as it was checked; the
// caller's lists are its own afterwards, and a Checked that Check did not
// make cannot start a session.
func TestCheckedCannotChange(t *testing.T) {
	p := Default()
	p.Targets = []int{1, 2}
	c, err := p.Check()
	if err != nil {
		t.Fatal(err)
	}
	p.Targets[0] = 99 // no longer a valid set; the checked one is untouched
	got := c.Params()
	if got.Targets[0] != 1 {
		t.Fatalf("the checked set changed with the caller's list: %v", got.Targets)
	}
	got.Targets[1] = 99
	if s := c.NewSession(); s.Params().Targets[1] != 2 {
		t.Errorf("the checked set changed with a copy's list: %v", s.Params().Targets)
	}
	defer func() {
		if recover() == nil {
			t.Error("a zero Checked made a session")
		}
	}()
	Checked{}.NewSession()
}
