// Package protocols holds the five-choice serial reaction time task as pure
// logic: parameters, the state machine that runs one session, and the scoring
// of its attempts. Nothing here reads a clock, starts a goroutine or does I/O:
// inputs arrive with their hardware times, timers are deadlines the caller
// waits for, and output commands come back as values. That is what lets the
// same code run a chamber in real time, a simulated study in virtual time,
// and a recomputation of a session from its stored event log.
//
// Rule numbers (R1 ... R26) refer to the task's rules as the project
// states them, docs/rules.md.
package protocols

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// Duration is a time.Duration that reads and writes Go duration strings
// ("500ms", "5s"), as docs/rules.md's parameter table writes them.
type Duration time.Duration

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("bad duration %q (write e.g. 500ms, 5s, 30m)", b)
	}
	*d = Duration(v)
	return nil
}

// Option values of the enumerated parameters (docs/rules.md section 2).
const (
	FromStimulusOffset = "stimulus_offset"
	FromStimulusOnset  = "stimulus_onset"
	InitiationMagazine = "magazine"
	InitiationAuto     = "auto"
	AtLimitStop        = "stop"
	AtLimitFinishTrial = "finish_trial"
	ScheduleBalanced   = "balanced"
	ScheduleUniform    = "uniform"
	HouseLightOff      = "off"
	HouseLightOn       = "on"

	// Modes: the task itself, or magazine training (section 8), where
	// each "attempt" is a pellet delivered after a variable time (the ITI
	// drawn from iti_choices), scored correct when delivered and collected
	// at the next magazine entry; hole entries are recorded only.
	ModeTask     = ""
	ModeMagazine = "magazine"
)

// Params is the full parameter set of one session. Every field has the
// default of docs/rules.md section 2 (see Default); a session records the whole
// set it ran with, so an analysis never depends on what the defaults were on
// the day.
type Params struct {
	// Mode is ModeTask (omitted) or ModeMagazine.
	Mode                      string     `json:"mode,omitempty"`
	Holes                     int        `json:"holes"`
	ActiveHoles               []int      `json:"active_holes,omitempty"`
	StimulusDuration          Duration   `json:"stimulus_duration"`
	StimulusDurations         []Duration `json:"stimulus_durations,omitempty"`
	ITI                       Duration   `json:"iti"`
	ITIChoices                []Duration `json:"iti_choices,omitempty"`
	LimitedHold               Duration   `json:"limited_hold"`
	LimitedHoldFrom           string     `json:"limited_hold_from"`
	Timeout                   Duration   `json:"timeout"`
	TimeoutHouseLight         string     `json:"timeout_houselight"`
	TimeoutRestartsOnResponse bool       `json:"timeout_restarts_on_response"`
	PrematurePunished         bool       `json:"premature_punished"`
	Initiation                string     `json:"initiation"`
	FreePelletAtStart         bool       `json:"free_pellet_at_start"`
	MaxTrials                 int        `json:"max_trials"`
	MaxDuration               Duration   `json:"max_duration"`
	AtTimeLimit               string     `json:"at_time_limit"`
	LocationSchedule          string     `json:"location_schedule"`
	Seed                      uint64     `json:"seed"`

	// Scripted runs only (scenario files): fixed sequences instead of
	// seeded draws. Targets are per scored trial (R15); ITISequence and
	// SDSequence are per attempt (R16).
	Targets     []int      `json:"targets,omitempty"`
	ITISequence []Duration `json:"iti_sequence,omitempty"`
	SDSequence  []Duration `json:"sd_sequence,omitempty"`
}

// Default returns the parameter set of docs/rules.md section 2.
func Default() Params {
	return Params{
		Holes:             5,
		StimulusDuration:  Duration(500 * time.Millisecond),
		ITI:               Duration(5 * time.Second),
		LimitedHold:       Duration(5 * time.Second),
		LimitedHoldFrom:   FromStimulusOffset,
		Timeout:           Duration(5 * time.Second),
		TimeoutHouseLight: HouseLightOff,
		PrematurePunished: true,
		Initiation:        InitiationMagazine,
		FreePelletAtStart: true,
		MaxTrials:         100,
		MaxDuration:       Duration(30 * time.Minute),
		AtTimeLimit:       AtLimitStop,
		LocationSchedule:  ScheduleBalanced,
	}
}

// Override decodes a JSON object of parameters over p: keys it names replace
// p's values, the rest stay. Unknown keys are refused, naming the key, since
// a misspelt parameter silently left at its default would spoil a session.
func (p Params) Override(js []byte) (Params, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	out := p
	// Slices are replaced, not merged, when named.
	if err := dec.Decode(&out); err != nil {
		return p, fmt.Errorf("protocol parameters: %w", cleanJSONError(err))
	}
	return out, nil
}

func cleanJSONError(err error) error {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return fmt.Errorf("parameter %q: want %s, got JSON %s", ute.Field, ute.Type, ute.Value)
	}
	if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
		return fmt.Errorf("unknown parameter %s", strings.TrimPrefix(s, "json: unknown field "))
	}
	return err
}

// A ParamError names the parameter that is wrong, so a configuration error
// points at the line to fix.
type ParamError struct {
	Param string
	Msg   string
}

func (e *ParamError) Error() string { return fmt.Sprintf("parameter %s: %s", e.Param, e.Msg) }

// Checked is a parameter set that has passed Check. Check is the only way
// to make one, and what it holds cannot be changed afterwards, so a session
// made from it (Checked.NewSession) needs no second look.
//
// A parameter set is checked once, where it is settled, and not again on
// its way to a session: NewSession checks it for callers that settle a set
// and run it in one place (a command's flags, the supervisor starting a
// session for the API or a study, a replay); a scenario file, read long
// before it runs, keeps its Checked set.
type Checked struct{ p *Params }

// Check refuses a parameter set the task cannot run, naming the parameter
// (every error is a *ParamError, joined), or returns it checked.
func (p Params) Check() (Checked, error) {
	if err := p.validate(); err != nil {
		return Checked{}, err
	}
	p = p.clone() // the caller's lists stay the caller's
	return Checked{&p}, nil
}

// Params returns a copy of the checked parameter set.
func (c Checked) Params() Params {
	if c.p == nil {
		return Params{}
	}
	return c.p.clone()
}

// clone is p with lists of its own.
func (p Params) clone() Params {
	p.StimulusDurations = slices.Clone(p.StimulusDurations)
	p.ActiveHoles = slices.Clone(p.ActiveHoles)
	p.ITIChoices = slices.Clone(p.ITIChoices)
	p.Targets = slices.Clone(p.Targets)
	p.ITISequence = slices.Clone(p.ITISequence)
	p.SDSequence = slices.Clone(p.SDSequence)
	return p
}

// MaxTrials is the largest max_trials a session may have: ten times a long
// session's, so that a typo cannot run a chamber for days.
const MaxTrials = 10000

// durationRanges are the durations a session may have, by parameter (a
// list's range is its singular's). Every
// parameter has a floor and a ceiling so that a typo ("5ns" for "5s",
// "1000000h") is refused rather than run: below 10 ms a chamber would run
// hundreds of trials a second, and no task timer is longer than the
// ceilings. docs/rules.md section 2 lists them.
var durationRanges = map[string][2]Duration{
	"stimulus_duration": {Duration(10 * time.Millisecond), Duration(10 * time.Minute)},
	"iti":               {Duration(10 * time.Millisecond), Duration(10 * time.Minute)},
	"limited_hold":      {Duration(10 * time.Millisecond), Duration(10 * time.Minute)},
	"timeout":           {Duration(10 * time.Millisecond), Duration(10 * time.Minute)},
	"max_duration":      {Duration(10 * time.Millisecond), Duration(24 * time.Hour)},
	// Lists take their singular's range.
	"iti_choices":        {Duration(10 * time.Millisecond), Duration(10 * time.Minute)},
	"stimulus_durations": {Duration(10 * time.Millisecond), Duration(10 * time.Minute)},
}

// DurationRange returns the range a duration parameter must lie in, for
// the documentation and the API's error messages.
func DurationRange(param string) (lo, hi time.Duration, ok bool) {
	r, ok := durationRanges[param]
	return time.Duration(r[0]), time.Duration(r[1]), ok
}

// validate refuses a parameter set the task cannot run, naming the
// parameter. Check is its one caller.
func (p Params) validate() error {
	var errs []error
	bad := func(param, format string, a ...any) {
		errs = append(errs, &ParamError{param, fmt.Sprintf(format, a...)})
	}
	within := func(param string, d Duration) {
		name, _, _ := strings.Cut(param, "[")
		r := durationRanges[name]
		if d < r[0] || d > r[1] {
			bad(param, "must be %v to %v, got %v", time.Duration(r[0]), time.Duration(r[1]), time.Duration(d))
		}
	}
	if p.Holes < 3 || p.Holes > hardware.MaxHoles {
		bad("holes", "must be 3 to %d, got %d", hardware.MaxHoles, p.Holes)
	}
	errs = append(errs, p.checkActiveHoles()...)
	within("stimulus_duration", p.StimulusDuration)
	within("iti", p.ITI)
	within("limited_hold", p.LimitedHold)
	within("timeout", p.Timeout)
	within("max_duration", p.MaxDuration)
	choices := func(param string, list []Duration) {
		if list != nil && len(list) == 0 {
			bad(param, "must not be empty")
		}
		for i, d := range list {
			within(fmt.Sprintf("%s[%d]", param, i), d)
		}
	}
	choices("iti_choices", p.ITIChoices)
	choices("stimulus_durations", p.StimulusDurations)
	if p.MaxTrials < 1 || p.MaxTrials > MaxTrials {
		bad("max_trials", "must be 1 to %d, got %d", MaxTrials, p.MaxTrials)
	}
	oneOf := func(param, v string, allowed ...string) {
		if !slices.Contains(allowed, v) {
			bad(param, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
		}
	}
	oneOf("limited_hold_from", p.LimitedHoldFrom, FromStimulusOffset, FromStimulusOnset)
	oneOf("timeout_houselight", p.TimeoutHouseLight, HouseLightOff, HouseLightOn)
	oneOf("initiation", p.Initiation, InitiationMagazine, InitiationAuto)
	oneOf("at_time_limit", p.AtTimeLimit, AtLimitStop, AtLimitFinishTrial)
	oneOf("location_schedule", p.LocationSchedule, ScheduleBalanced, ScheduleUniform)
	oneOf("mode", p.Mode, ModeTask, ModeMagazine)
	if p.Mode == ModeMagazine && (p.Initiation != InitiationAuto || p.FreePelletAtStart || p.PrematurePunished) {
		bad("mode", "magazine training delivers pellets on its own schedule: it needs initiation auto, no free pellet at start and no premature punishment")
	}
	if p.Targets != nil && len(p.Targets) == 0 {
		bad("targets", "must not be empty")
	}
	for i, t := range p.Targets {
		switch {
		case t < 1 || t > p.Holes:
			bad(fmt.Sprintf("targets[%d]", i), "hole %d does not exist (holes: %d)", t, p.Holes)
		case !p.inUse(t):
			bad(fmt.Sprintf("targets[%d]", i), "hole %d is masked (active_holes: %v)", t, p.ActiveHoles)
		}
	}
	sequence := func(param string, seq []Duration, choicesParam string, allowed []Duration) {
		if seq == nil {
			return
		}
		if len(seq) == 0 {
			bad(param, "must not be empty")
		}
		if allowed == nil {
			bad(param, "needs %s (a sequence of variable values)", choicesParam)
			return
		}
		for i, d := range seq {
			if !slices.Contains(allowed, d) {
				bad(fmt.Sprintf("%s[%d]", param, i), "%v is not one of %s", time.Duration(d), choicesParam)
			}
		}
	}
	sequence("iti_sequence", p.ITISequence, "iti_choices", p.ITIChoices)
	sequence("sd_sequence", p.SDSequence, "stimulus_durations", p.StimulusDurations)
	return errors.Join(errs...)
}

// JSON returns the parameter set as stored with a session.
func (p Params) JSON() []byte {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // Params holds only plain values; this cannot fail.
	}
	return b
}
