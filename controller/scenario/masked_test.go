package scenario

import (
	"fmt"
	"testing"
)

// TestMaskedHolesNeverLit: a 3-choice set (active_holes 2, 3, 4 of five)
// with seeded, balanced targets. The scripted subject pokes masked hole 1
// in every response window, then hole 5 in the time-out. Over 30 trials no
// masked hole's light ever comes on, every target is active, each block of
// three is a permutation of 2, 3, 4 (R15), and every masked-hole entry
// counts as a wrong hole's would: incorrect in the window (R9), a time-out
// response in the TO (R13).
func TestMaskedHolesNeverLit(t *testing.T) {
	const trials = 30
	// Each attempt: ITI 5 s, poke at onset + 0.2 s (incorrect), TO 5 s,
	// next ITI at once (initiation auto): 10.2 s a cycle.
	actions := `{"t_ms": 0, "kind": "magazine"}, {"t_ms": 100, "kind": "magazine_release"}`
	for i := range trials {
		at := int64(i)*10200 + 5200
		actions += fmt.Sprintf(`, {"t_ms": %d, "kind": "poke", "hole": 1}, {"t_ms": %d, "kind": "poke_release", "hole": 1}`, at, at+50)
		actions += fmt.Sprintf(`, {"t_ms": %d, "kind": "poke", "hole": 5}, {"t_ms": %d, "kind": "poke_release", "hole": 5}`, at+1000, at+1050)
	}
	f, err := Parse(fmt.Appendf(nil, `{"name": "masked", "rules": ["R15"],
		"protocol": {"holes": 5, "active_holes": [2, 3, 4], "iti": "5s", "stimulus_duration": "500ms", "limited_hold": "5s",
			"timeout": "5s", "initiation": "auto", "location_schedule": "balanced", "max_trials": %d, "seed": 2027},
		"actions": [%s], "end_ms": %d}`, trials, actions, trials*10200+1000))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(f)
	if err != nil {
		t.Fatal(err)
	}
	lit := map[int]int{}
	for _, e := range out.Events {
		if h, ok := e.Output.Stimulus(); ok && !e.IsInput() && e.On {
			lit[h]++
		}
	}
	if lit[1] != 0 || lit[5] != 0 || lit[2] == 0 || lit[3] == 0 || lit[4] == 0 || lit[2]+lit[3]+lit[4] != trials {
		t.Errorf("stimulus lights lit %v: want only holes 2, 3, 4, %d in all", lit, trials)
	}
	for b := 0; b+3 <= len(out.Attempts); b += 3 {
		seen := map[int]bool{}
		for _, a := range out.Attempts[b : b+3] {
			seen[a.Target] = true
		}
		if !seen[2] || !seen[3] || !seen[4] {
			t.Errorf("attempts %d-%d: targets %v, want a permutation of 2, 3, 4", b+1, b+3, seen)
		}
	}
	c := out.Counters
	if c.Incorrect != trials || c.TimeoutResponses != trials || c.Correct != 0 || c.Premature != 0 || out.Session.EndReason == nil {
		t.Errorf("counters %+v, end %v: want %d incorrect and %d time-out responses", c, out.Session.EndReason, trials, trials)
	}
}
