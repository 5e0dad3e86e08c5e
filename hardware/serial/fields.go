package serial

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/fivechoice/fivechoice/hardware"
)

// The field readers of decode. Each xxxOr returns err unchanged when it is
// already set, so that decode can read a frame's fields in a row.

func u32(b []byte) (uint32, error) {
	if len(b) > 10 {
		return 0, fmt.Errorf("number %q too long", b)
	}
	v, err := strconv.ParseUint(string(b), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", b)
	}
	return uint32(v), nil
}

func u32Or(err error, b []byte) (uint32, error) {
	if err != nil {
		return 0, err
	}
	return u32(b)
}

func parseVersion(b []byte) (Version, error) {
	for i, c := range b {
		if c != '.' {
			continue
		}
		major, err1 := strconv.ParseUint(string(b[:i]), 10, 8)
		minor, err2 := strconv.ParseUint(string(b[i+1:]), 10, 8)
		if err1 != nil || err2 != nil || i > 3 || len(b)-i-1 > 3 {
			break
		}
		return Version{uint8(major), uint8(minor)}, nil
	}
	return Version{}, fmt.Errorf("bad version %q (want major.minor)", b)
}

func tokenOr(err error, b []byte) (uint16, error) {
	if err != nil {
		return 0, err
	}
	v, ok1 := unhex2(b[:min(2, len(b))])
	w, ok2 := unhex2(b[min(2, len(b)):])
	if len(b) != 4 || !ok1 || !ok2 {
		return 0, fmt.Errorf("bad token %q (want 4 hex digits)", b)
	}
	return uint16(v)<<8 | uint16(w), nil
}

func textOr(err error, b []byte) (string, error) {
	if err != nil {
		return "", err
	}
	if len(b) > maxText {
		return "", fmt.Errorf("text %q longer than %d", b, maxText)
	}
	return string(b), nil
}

func holesOr(err error, b []byte) (uint8, error) {
	if err != nil {
		return 0, err
	}
	if len(b) != 1 || b[0] < '1' || b[0] > '0'+hardware.MaxHoles {
		return 0, fmt.Errorf("bad hole count %q", b)
	}
	return b[0] - '0', nil
}

func bitOr(err error, b []byte) (bool, error) {
	if err != nil {
		return false, err
	}
	switch string(b) {
	case "1":
		return true, nil
	case "0":
		return false, nil
	}
	return false, fmt.Errorf("bad level %q (want 0 or 1)", b)
}

func pulseOr(err error, b []byte) (uint16, error) {
	if err != nil {
		return 0, err
	}
	v, err := u32(b)
	if err != nil || v < 1 || v > MaxPulse {
		return 0, fmt.Errorf("bad pulse %q (want 1 to %d ms)", b, MaxPulse)
	}
	return uint16(v), nil
}

var errName = errors.New("unknown name")

func inputOr(err error, b []byte) (hardware.Input, error) {
	if err != nil {
		return 0, err
	}
	in, err := ParseInputName(string(b))
	if err != nil {
		return 0, fmt.Errorf("input %q: %w", b, err)
	}
	return in, nil
}

func outputOr(err error, b []byte) (hardware.Output, error) {
	if err != nil {
		return 0, err
	}
	o, err := ParseOutputName(string(b))
	if err != nil {
		return 0, fmt.Errorf("output %q: %w", b, err)
	}
	return o, nil
}

// InputName is an input's name on the wire: H1..H9 for the holes, MAG for
// the magazine ("?" for an invalid input).
func InputName(in hardware.Input) string {
	if n, ok := in.Hole(); ok {
		return "H" + strconv.Itoa(n)
	}
	if in == hardware.Magazine {
		return "MAG"
	}
	return "?"
}

// ParseInputName reads the names InputName gives.
func ParseInputName(s string) (hardware.Input, error) {
	if s == "MAG" {
		return hardware.Magazine, nil
	}
	if len(s) == 2 && s[0] == 'H' && s[1] >= '1' && s[1] <= '0'+hardware.MaxHoles {
		return hardware.Hole(int(s[1] - '0')), nil
	}
	return 0, errName
}

// OutputName is an output's name on the wire: S1..S9 for the stimulus
// lights, HOUSE, MAGL (magazine light), PELLET and SYNC (protocol 1.1)
// ("?" for an invalid output).
func OutputName(o hardware.Output) string {
	if n, ok := o.Stimulus(); ok {
		return "S" + strconv.Itoa(n)
	}
	switch o {
	case hardware.HouseLight:
		return "HOUSE"
	case hardware.MagazineLight:
		return "MAGL"
	case hardware.Pellet:
		return "PELLET"
	case hardware.Sync:
		return "SYNC"
	}
	return "?"
}

// ParseOutputName reads the names OutputName gives.
func ParseOutputName(s string) (hardware.Output, error) {
	switch s {
	case "HOUSE":
		return hardware.HouseLight, nil
	case "MAGL":
		return hardware.MagazineLight, nil
	case "PELLET":
		return hardware.Pellet, nil
	case "SYNC":
		return hardware.Sync, nil
	}
	if len(s) == 2 && s[0] == 'S' && s[1] >= '1' && s[1] <= '0'+hardware.MaxHoles {
		return hardware.Stimulus(int(s[1] - '0')), nil
	}
	return 0, errName
}
