package protocols

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// A Preset is a built-in parameter set by name: the training stages and
// test-day challenges of docs/rules.md section 8.
type Preset struct {
	Name        string
	Description string
	Params      Params
	// Advance is the criterion for moving on to the next stage, which must
	// hold on two consecutive sessions; empty for test-day sets.
	Advance string
}

func stage(sd, iti, lh time.Duration) Params {
	p := Default()
	p.StimulusDuration, p.ITI, p.LimitedHold = Duration(sd), Duration(iti), Duration(lh)
	return p
}

// magazine is magazine training (section 8): pellets on a variable-time
// schedule (15 to 45 s in 5 s steps, drawn like a variable ITI, R16), the
// magazine light on until each collection, 30 pellets or 30 minutes.
func magazine() Params {
	p := Default()
	p.Mode, p.Initiation, p.FreePelletAtStart, p.PrematurePunished = ModeMagazine, InitiationAuto, false, false
	p.MaxTrials, p.ITI = 30, Duration(30*time.Second)
	for s := 15; s <= 45; s += 5 {
		p.ITIChoices = append(p.ITIChoices, Duration(time.Duration(s)*time.Second))
	}
	return p
}

func presets() []Preset {
	s := time.Second
	ms := time.Millisecond
	longITI := stage(500*ms, 7*s, 5*s)
	variable := stage(500*ms, 5*s, 5*s)
	variable.ITIChoices = []Duration{Duration(7 * s), Duration(9 * s), Duration(11 * s), Duration(13 * s)}
	return []Preset{
		{"magazine", "magazine training: a pellet every 15-45 s (mean 30 s), the magazine light on until it is collected; 30 pellets or 30 min", magazine(), "at least 30 pellets collected"},
		{"stage1", "training stage 1: SD 30s, ITI 2s, LH 30s", stage(30*s, 2*s, 30*s), "at least 30 correct"},
		{"stage2", "training stage 2: SD 20s, ITI 2s, LH 20s", stage(20*s, 2*s, 20*s), "at least 30 correct"},
		{"stage3", "training stage 3: SD 10s, ITI 5s, LH 10s", stage(10*s, 5*s, 10*s), "at least 50 correct"},
		{"stage4", "training stage 4: SD 5s, ITI 5s, LH 5s", stage(5*s, 5*s, 5*s), "at least 50 correct"},
		{"stage5", "training stage 5: SD 2.5s, ITI 5s, LH 5s", stage(2500*ms, 5*s, 5*s), "at least 50 correct, accuracy above 80%"},
		{"stage6", "training stage 6: SD 1.25s, ITI 5s, LH 5s", stage(1250*ms, 5*s, 5*s), "at least 50 correct, accuracy above 80%, omissions below 20%"},
		{"stage7", "training stage 7: SD 1s, ITI 5s, LH 5s", stage(1*s, 5*s, 5*s), "at least 50 correct, accuracy above 80%, omissions below 20%"},
		{"baseline", "baseline: SD 0.5s, ITI 5s, LH 5s", stage(500*ms, 5*s, 5*s), "stable: accuracy above 80%, omissions below 20%"},
		{"long_iti", "challenge: baseline with a 7s ITI (raises premature responding)", longITI, ""},
		{"variable_iti", "challenge: baseline with ITI drawn from 7, 9, 11, 13 s", variable, ""},
		{"short_sd", "challenge: baseline with a 250ms stimulus (taxes attention)", stage(250*ms, 5*s, 5*s), ""},
	}
}

// Presets lists the built-in parameter sets in training order.
func Presets() []Preset { return presets() }

// PresetNames lists the names Lookup accepts.
func PresetNames() []string {
	var names []string
	for _, p := range presets() {
		names = append(names, p.Name)
	}
	return names
}

// Lookup returns the built-in parameter set of that name.
func Lookup(name string) (Params, error) {
	i := slices.IndexFunc(presets(), func(p Preset) bool { return p.Name == name })
	if i < 0 {
		return Params{}, fmt.Errorf("unknown protocol %q (built in: %s)", name, strings.Join(PresetNames(), ", "))
	}
	return presets()[i].Params, nil
}
