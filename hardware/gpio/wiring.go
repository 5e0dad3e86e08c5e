package gpio

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// A Bias is the internal pull of a line, as the GPIO chip applies it.
type Bias string

// Biases. The zero Bias leaves the line's bias as the chip has it.
const (
	BiasAsIs     Bias = ""
	BiasDisabled Bias = "disabled"
	BiasPullUp   Bias = "pull_up"
	BiasPullDown Bias = "pull_down"
)

func (b Bias) valid() bool {
	switch b {
	case BiasAsIs, "as_is", BiasDisabled, BiasPullUp, BiasPullDown:
		return true
	}
	return false
}

// A Line is one GPIO line of the chamber's chip.
//
// "Active" is the beam broken for an input and the device on for an
// output: ActiveLow says that the line's electrical level is low then.
type Line struct {
	Offset    int  `yaml:"offset"`
	ActiveLow bool `yaml:"active_low,omitempty"`
	Bias      Bias `yaml:"bias,omitempty"`
}

// Wiring is how one chamber is connected to a GPIO chip. All its lines are
// on one chip. In YAML every line is required: a line may be written as its
// offset alone (house_light: 17) or in full ({offset: 17, active_low: true}).
type Wiring struct {
	Chip           string        `yaml:"chip"`            // gpiochip0, or /dev/gpiochip0
	Holes          []Line        `yaml:"holes"`           // hole beams 1..n (3 to 9, R1)
	MagazineBeam   Line          `yaml:"magazine_beam"`   // the magazine's entry beam
	StimulusLights []Line        `yaml:"stimulus_lights"` // one per hole, in hole order
	HouseLight     Line          `yaml:"house_light"`
	MagazineLight  Line          `yaml:"magazine_light"`
	Pellet         Line          `yaml:"pellet"`       // the dispenser: one pulse, one pellet
	Debounce       time.Duration `yaml:"debounce"`     // input debounce (kernel); 0: none
	PelletPulse    time.Duration `yaml:"pellet_pulse"` // how long the dispenser line is held on
}

// Limits on the durations of a wiring.
const (
	MaxDebounce    = 100 * time.Millisecond
	MaxPelletPulse = time.Second
)

// A FieldError names the field of a wiring that is wrong, in the wiring's
// YAML spelling (e.g. "holes[2].offset").
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return fmt.Sprintf("gpio wiring: %s: %s", e.Field, e.Msg) }

// A wiredLine is one line of a wiring with what it is for.
type wiredLine struct {
	field  string // YAML path, for messages
	line   Line
	input  hardware.Input  // zero for an output
	output hardware.Output // zero for an input
}

// lines lists every line of w, inputs first, in a fixed order.
func (w Wiring) lines() []wiredLine {
	var ls []wiredLine
	for i, l := range w.Holes {
		ls = append(ls, wiredLine{field: fmt.Sprintf("holes[%d]", i), line: l, input: hardware.Hole(i + 1)})
	}
	ls = append(ls, wiredLine{field: "magazine_beam", line: w.MagazineBeam, input: hardware.Magazine})
	for i, l := range w.StimulusLights {
		ls = append(ls, wiredLine{field: fmt.Sprintf("stimulus_lights[%d]", i), line: l, output: hardware.Stimulus(i + 1)})
	}
	ls = append(ls,
		wiredLine{field: "house_light", line: w.HouseLight, output: hardware.HouseLight},
		wiredLine{field: "magazine_light", line: w.MagazineLight, output: hardware.MagazineLight},
		wiredLine{field: "pellet", line: w.Pellet, output: hardware.Pellet},
	)
	return ls
}

// Validate refuses a wiring that cannot be right whatever the machine,
// naming the field. It does not look at the hardware: Check does.
func (w Wiring) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{field, fmt.Sprintf(format, a...)})
	}
	if strings.TrimPrefix(w.Chip, "/dev/") == "" {
		bad("chip", "required (e.g. gpiochip0)")
	}
	if n := len(w.Holes); n < 3 || n > hardware.MaxHoles {
		bad("holes", "a chamber has 3 to %d holes (R1), got %d", hardware.MaxHoles, n)
	}
	if len(w.StimulusLights) != len(w.Holes) {
		bad("stimulus_lights", "one per hole: %d holes but %d lights", len(w.Holes), len(w.StimulusLights))
	}
	seen := map[int]string{}
	for _, l := range w.lines() {
		if l.line.Offset < 0 {
			bad(l.field+".offset", "must not be negative, got %d", l.line.Offset)
		} else if other, dup := seen[l.line.Offset]; dup {
			bad(l.field+".offset", "line %d is also %s", l.line.Offset, other)
		} else {
			seen[l.line.Offset] = l.field
		}
		if !l.line.Bias.valid() {
			bad(l.field+".bias", "unknown bias %q (as_is, disabled, pull_up, pull_down)", l.line.Bias)
		}
	}
	if w.Debounce < 0 || w.Debounce > MaxDebounce {
		bad("debounce", "must be 0 to %v, got %v", MaxDebounce, w.Debounce)
	}
	if w.PelletPulse <= 0 || w.PelletPulse > MaxPelletPulse {
		bad("pellet_pulse", "required, up to %v (e.g. 50ms), got %v", MaxPelletPulse, w.PelletPulse)
	}
	return errors.Join(errs...)
}

// chipName is the chip's device name without /dev/.
func (w Wiring) chipName() string { return strings.TrimPrefix(w.Chip, "/dev/") }
