package gpio

import (
	"errors"
	"fmt"
)

// Errors of the start-up checks, told apart with errors.Is.
var (
	ErrNoChip    = errors.New("gpio: no such chip")
	ErrNoLine    = errors.New("gpio: no such line")
	ErrLineTwice = errors.New("gpio: line wired twice")
	ErrLineBusy  = errors.New("gpio: line in use")
	ErrOldKernel = errors.New("gpio: kernel too old")
)

// Check refuses, before any session starts, the wirings of a set of
// chambers that cannot run on this machine: an invalid wiring (Validate),
// a kernel older than 5.10, a chip that does not exist, a line beyond the
// chip's last, and a line wired twice, within a chamber or across
// chambers. Chambers are numbered from 1 in the order given. It does not
// request any line; Open does, and also refuses lines held elsewhere.
func Check(wirings []Wiring) error { return check(system(), wirings) }

func check(h host, ws []Wiring) error {
	var errs []error
	for i, w := range ws {
		if err := w.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("chamber %d: %w", i+1, err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	rel, err := h.kernelRelease()
	if err != nil {
		return fmt.Errorf("gpio: %w", err)
	}
	if err := checkKernel(rel); err != nil {
		return err
	}
	type use struct {
		chamber int
		field   string
	}
	infos := map[string]chipInfo{}
	used := map[string]map[int]use{} // chip → offset → its use
	for i, w := range ws {
		name := w.chipName()
		info, ok := infos[name]
		if !ok {
			if info, err = h.gpio.chipInfo(name); err != nil {
				errs = append(errs, fmt.Errorf("chamber %d: chip: %w", i+1, err))
				continue
			}
			infos[name] = info
		}
		chip := info.name
		if chip == "" {
			chip = name
		}
		if used[chip] == nil {
			used[chip] = map[int]use{}
		}
		for _, l := range w.lines() {
			off := l.line.Offset
			if off >= info.lines {
				errs = append(errs, fmt.Errorf("chamber %d: %s.offset: %w: %s has lines 0 to %d, not %d",
					i+1, l.field, ErrNoLine, chip, info.lines-1, off))
				continue
			}
			if u, dup := used[chip][off]; dup {
				errs = append(errs, fmt.Errorf("chamber %d: %s.offset: %w: %s line %d is also chamber %d's %s",
					i+1, l.field, ErrLineTwice, chip, off, u.chamber, u.field))
				continue
			}
			used[chip][off] = use{i + 1, l.field}
		}
	}
	return errors.Join(errs...)
}
