package sim

import (
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// A Step is one scripted action of a subject.
type Step struct {
	At    time.Duration
	Input hardware.Input
	Entry bool
}

// A Script is a scripted subject: it does exactly its steps, whatever the
// chamber shows, which is what checking the protocol against a scenario
// needs.
type Script []Step

// Begin schedules every step.
func (s Script) Begin(a Actions) {
	for _, st := range s {
		a.Schedule(st.At, st.Input, st.Entry)
	}
}

// Observe ignores the chamber: a script does not react.
func (Script) Observe(time.Duration, hardware.Output, bool) {}
