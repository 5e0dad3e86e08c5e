package gpio

import (
	"errors"
	"fmt"
)

// Errors of the start-up checks, told apart with errors.Is.
var (
	ErrNoChip    = errors.New("gpio: no such chip")
	ErrWrongChip = errors.New("gpio: chip has another label")
	ErrChipTwice = errors.New("gpio: chip label not unique")
	ErrNoAccess  = errors.New("gpio: no access to the chip")
	ErrNoLine    = errors.New("gpio: no such line")
	ErrNameTwice = errors.New("gpio: line name not unique")
	ErrLineTwice = errors.New("gpio: line wired twice")
	ErrLineBusy  = errors.New("gpio: line in use")
	ErrOldKernel = errors.New("gpio: kernel too old")
)

// Check refuses, before any session starts, the wirings of a set of
// chambers that cannot run on this machine: an invalid wiring (Validate),
// a kernel older than 5.10, a chip that does not exist, cannot be opened
// or does not carry the label the wiring states, a line beyond the chip's
// last, a line name the chip lacks or has twice, and a line wired twice,
// within a chamber or across chambers (however each names the chip).
// Chambers are numbered from 1 in the order given. It does not request any
// line; Open does, and also refuses lines held elsewhere.
func Check(wirings []Wiring) error {
	_, err := check(system(), wirings)
	return err
}

// check is Check on a host; it also returns each wiring placed on its chip.
func check(h host, ws []Wiring) ([]placed, error) {
	var errs []error
	for i, w := range ws {
		if err := w.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("chamber %d: %w", i+1, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	rel, err := h.kernelRelease()
	if err != nil {
		return nil, fmt.Errorf("gpio: %w", err)
	}
	if err := checkKernel(rel); err != nil {
		return nil, err
	}
	type use struct {
		chamber int
		field   string
	}
	f := newFinder(h)
	used := map[string]map[int]use{} // chip device → offset → its use
	var out []placed
	for i, w := range ws {
		p, perrs := f.place(w)
		for _, e := range perrs {
			errs = append(errs, fmt.Errorf("chamber %d: %w", i+1, e))
		}
		if len(perrs) > 0 {
			continue
		}
		if used[p.dev] == nil {
			used[p.dev] = map[int]use{}
		}
		for _, l := range p.w.lines() {
			off := l.line.Offset
			if u, dup := used[p.dev][off]; dup {
				errs = append(errs, fmt.Errorf("chamber %d: %s.%s: %w: %s is also chamber %d's %s",
					i+1, l.field, l.line.key(), ErrLineTwice, p.describe(l.line), u.chamber, u.field))
				continue
			}
			used[p.dev][off] = use{i + 1, l.field}
		}
		out = append(out, p)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
