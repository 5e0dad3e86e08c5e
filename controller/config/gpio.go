package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fivechoice/fivechoice/hardware/gpio"
)

// GPIO is a chamber wired to the lines of a GPIO chip: hardware/gpio's
// Wiring, read by that package's own strict YAML rules (every line
// required, since a forgotten line must not read as offset 0, a real line).
type GPIO struct {
	Wiring gpio.Wiring

	err error // what the wiring's decoding refused, placed by check
}

// UnmarshalYAML decodes the wiring and keeps what it refused instead of
// returning it: an error here would stop the decoder at the first bad
// chamber, and the file's other problems would go unreported. check turns
// the kept error into positioned Errors.
func (g *GPIO) UnmarshalYAML(n *yaml.Node) error {
	g.err = n.Decode(&g.Wiring)
	return nil
}

// gpioLine is one line of a wiring with its path in the file.
type gpioLine struct {
	path string    // e.g. holes[2]
	line gpio.Line // by name (GPIO17) or by offset (17)
}

// key tells lines apart as given: a name and an offset never compare
// equal here (the hardware check finds a name and an offset of one line).
func (l gpioLine) key() string {
	if l.line.Name != "" {
		return "name " + l.line.Name
	}
	return "offset " + l.line.String()
}

// gpioLines lists every line of a wiring.
func gpioLines(w gpio.Wiring) []gpioLine {
	var ls []gpioLine
	for i, l := range w.Holes {
		ls = append(ls, gpioLine{fmt.Sprintf("holes[%d]", i), l})
	}
	ls = append(ls, gpioLine{"magazine_beam", w.MagazineBeam})
	for i, l := range w.StimulusLights {
		ls = append(ls, gpioLine{fmt.Sprintf("stimulus_lights[%d]", i), l})
	}
	ls = append(ls,
		gpioLine{"house_light", w.HouseLight},
		gpioLine{"magazine_light", w.MagazineLight},
		gpioLine{"pellet", w.Pellet},
	)
	if w.Sync != nil { // a sync line on another chamber's line drives it too
		ls = append(ls, gpioLine{"sync", *w.Sync})
	}
	return ls
}

// gpioChip is a chip as the file names it, so that spellings of one chip
// compare equal where that is certain without the hardware: 0, gpiochip0
// and /dev/gpiochip0 are the same chip. A label and a number naming the
// same chip are told apart only by the hardware check (gpio.Check).
func gpioChip(w gpio.Wiring) string {
	c := strings.TrimSpace(w.Chip)
	if strings.Trim(c, "0123456789") == "" {
		return "gpiochip" + c
	}
	return strings.TrimPrefix(c, "/dev/")
}

var (
	reGPIOLine   = regexp.MustCompile(`line (\d+): `)
	reGPIOPrefix = regexp.MustCompile(`^gpio wiring: `)
	reGPIOType   = regexp.MustCompile("^cannot unmarshal (!!\\w+) `(.*)` into (.+)$")
)

// gpioErrors places the problems hardware/gpio reports for the section at
// path: a *gpio.FieldError names its field, other messages carry a line.
func (c *Config) gpioErrors(idx *index, path string, err error) []error {
	var out []error
	for _, e := range flatten(err) {
		msg := reGPIOPrefix.ReplaceAllString(e.Error(), "")
		key := path
		var fe *gpio.FieldError
		if errors.As(e, &fe) {
			key, msg = path+"."+fe.Field, fe.Msg
		}
		line := idx.line(key)
		if m := reGPIOLine.FindStringSubmatchIndex(msg); m != nil {
			line, _ = strconv.Atoi(msg[m[2]:m[3]])
			msg = msg[:m[0]] + msg[m[1]:]
		}
		if m := reGPIOType.FindStringSubmatch(msg); m != nil {
			msg = "want " + want(m[3]) + ", got " + m[2]
		}
		out = append(out, &Error{File: c.File, Line: line, Key: key, Msg: msg})
	}
	return out
}

// flatten unpacks joined errors.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}
