package gpio

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
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

// A Line is one GPIO line of the chamber's chip, given by its offset on the
// chip or by its name (GPIO17 on a Raspberry Pi), as gpioinfo lists them.
// A named line has offset 0 until Check or Open finds it on the chip.
//
// "Active" is the beam broken for an input and the device on for an
// output: ActiveLow says that the line's electrical level is low then.
type Line struct {
	Offset    int    `yaml:"offset"`
	Name      string `yaml:"name,omitempty"`
	ActiveLow bool   `yaml:"active_low,omitempty"`
	Bias      Bias   `yaml:"bias,omitempty"`
}

// key is how the line is given, for messages: "name" or "offset".
func (l Line) key() string {
	if l.Name != "" {
		return "name"
	}
	return "offset"
}

// String is the line as the wiring gives it: its name, or its offset.
func (l Line) String() string {
	if l.Name != "" {
		return l.Name
	}
	return strconv.Itoa(l.Offset)
}

// Wiring is how one chamber is connected to a GPIO chip. All its lines are
// on one chip. In YAML every line is required: a line may be written as its
// offset or name alone (house_light: 17, house_light: GPIO17) or in full
// ({offset: 17, active_low: true}, {name: GPIO17, active_low: true}).
//
// Chip names the chip by its label (pinctrl-bcm2711 on a Raspberry Pi 4,
// pinctrl-rp1 on a Pi 5), which does not change between boots, or by its
// number (0), device name (gpiochip0) or path (/dev/gpiochip0, or a udev
// symlink such as /dev/gpiochip-box1). Chip numbers differ between Pi
// models and kernels, so a chip named by number or path must also state
// its label in ChipLabel: a wrong number is then refused instead of driving
// another chip's lines.
type Wiring struct {
	Chip           string        `yaml:"chip"`                 // pinctrl-bcm2711, 0, gpiochip0 or /dev/gpiochip0
	ChipLabel      string        `yaml:"chip_label,omitempty"` // required when Chip is a number or path
	Holes          []Line        `yaml:"holes"`                // hole beams 1..n (3 to 9, R1)
	MagazineBeam   Line          `yaml:"magazine_beam"`        // the magazine's entry beam
	StimulusLights []Line        `yaml:"stimulus_lights"`      // one per hole, in hole order
	HouseLight     Line          `yaml:"house_light"`
	MagazineLight  Line          `yaml:"magazine_light"`
	Pellet         Line          `yaml:"pellet"`       // the dispenser: one pulse, one pellet
	Debounce       time.Duration `yaml:"debounce"`     // input debounce (kernel); 0: none
	PelletPulse    time.Duration `yaml:"pellet_pulse"` // how long the dispenser line is held on
	// Sync, if given, is a TTL line to a lab's video, photometry or
	// electrophysiology recorder, pulsed for SyncPulse at session start
	// and at every stimulus onset (docs/gpio.md, Sync output).
	Sync      *Line         `yaml:"sync,omitempty"`
	SyncPulse time.Duration `yaml:"sync_pulse,omitempty"` // default DefaultSyncPulse
}

// Limits on the durations of a wiring.
const (
	MaxDebounce    = 100 * time.Millisecond
	MaxPelletPulse = time.Second
	// The sync pulse: long enough for any recorder's digital input (they
	// sample at 1 kHz or faster), short beside the shortest ITI.
	DefaultSyncPulse = 10 * time.Millisecond
	MaxSyncPulse     = time.Second
)

// A FieldError names the field of a wiring that is wrong, in the wiring's
// YAML spelling (e.g. "holes[2].offset").
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return fmt.Sprintf("gpio wiring: %s: %s", e.Field, e.Msg) }

var reChipName = regexp.MustCompile(`^gpiochip[0-9]+$`)

// chipPath is the device path of a chip named by number, device name or
// path, and "" for a chip named by its label.
func (w Wiring) chipPath() string {
	c := strings.TrimSpace(w.Chip)
	switch {
	case c == "":
		return ""
	case strings.Trim(c, "0123456789") == "":
		return "/dev/gpiochip" + c
	case reChipName.MatchString(c):
		return "/dev/" + c
	case strings.Contains(c, "/"):
		return c
	}
	return ""
}

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
	if w.Sync != nil {
		ls = append(ls, wiredLine{field: "sync", line: *w.Sync, output: hardware.Sync})
	}
	return ls
}

// withLines is w with each line replaced by f's answer, in the order of
// lines(); w itself is not changed.
func (w Wiring) withLines(f func(field string, l Line) Line) Wiring {
	out := w
	out.Holes = make([]Line, len(w.Holes))
	out.StimulusLights = make([]Line, len(w.StimulusLights))
	for i, l := range w.Holes {
		out.Holes[i] = f(fmt.Sprintf("holes[%d]", i), l)
	}
	out.MagazineBeam = f("magazine_beam", w.MagazineBeam)
	for i, l := range w.StimulusLights {
		out.StimulusLights[i] = f(fmt.Sprintf("stimulus_lights[%d]", i), l)
	}
	out.HouseLight = f("house_light", w.HouseLight)
	out.MagazineLight = f("magazine_light", w.MagazineLight)
	out.Pellet = f("pellet", w.Pellet)
	if w.Sync != nil {
		l := f("sync", *w.Sync)
		out.Sync = &l
	}
	return out
}

// Validate refuses a wiring that cannot be right whatever the machine,
// naming the field. It does not look at the hardware: Check does.
func (w Wiring) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{field, fmt.Sprintf(format, a...)})
	}
	w.validateChip(bad)
	if n := len(w.Holes); n < 3 || n > hardware.MaxHoles {
		bad("holes", "a chamber has 3 to %d holes (R1), got %d", hardware.MaxHoles, n)
	}
	if len(w.StimulusLights) != len(w.Holes) {
		bad("stimulus_lights", "one per hole: %d holes but %d lights", len(w.Holes), len(w.StimulusLights))
	}
	seen := map[string]string{} // the line as given ("offset 17", "name GPIO17") → its field
	for _, l := range w.lines() {
		key := l.field + "." + l.line.key()
		given := l.line.key() + " " + l.line.String()
		switch {
		case l.line.Name != "" && l.line.Offset != 0:
			bad(key, "give the line's offset or its name, not both")
		case l.line.Offset < 0:
			bad(key, "must not be negative, got %d", l.line.Offset)
		case seen[given] != "":
			bad(key, "line %s is also %s", l.line, seen[given])
		default:
			seen[given] = l.field
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
	switch {
	case w.Sync == nil && w.SyncPulse != 0:
		bad("sync_pulse", "goes with a sync line, and none is given")
	case w.Sync != nil && (w.SyncPulse < time.Millisecond || w.SyncPulse > MaxSyncPulse):
		bad("sync_pulse", "must be 1ms to %v, got %v", MaxSyncPulse, w.SyncPulse)
	}
	return errors.Join(errs...)
}

// validateChip refuses a chip not named, and a chip named by number or
// path without the label that makes sure it is the chip meant.
func (w Wiring) validateChip(bad func(field, format string, a ...any)) {
	c := strings.TrimSpace(w.Chip)
	switch {
	case c == "" || c == "/dev/" || c == "/dev":
		bad("chip", "required: the chip's label as gpiodetect lists it (e.g. pinctrl-bcm2711), or its number or path with chip_label")
	case w.chipPath() == "" && w.ChipLabel != "":
		bad("chip_label", "chip %q names the chip by its label already; chip_label goes with a chip given by number or path", w.Chip)
	case w.chipPath() != "" && strings.TrimSpace(w.ChipLabel) == "":
		bad("chip_label", "required with chip %q: the label gpiodetect shows for that chip (e.g. pinctrl-bcm2711 on a Raspberry Pi 4, pinctrl-rp1 on a Pi 5), so that a chip numbered differently is refused instead of driven; or give the label itself as chip", w.Chip)
	}
}
