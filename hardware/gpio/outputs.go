package gpio

import (
	"errors"
	"fmt"
)

// Off says where a wiring's outputs were switched off.
type Off struct {
	Chip    string // the chip's device, gpiochipN
	Label   string // its label, e.g. pinctrl-bcm2711
	Outputs int    // lines switched off
}

// OutputsOff switches every output of a wiring off (inactive, so an
// active-low line goes high) and releases the lines again. A GPIO line
// keeps its level when the process holding it dies (kill -9, a crash) on
// many chips, so a dispenser or a light can stay on with nobody to switch
// it off: the daemon calls this at start-up, and the outputs-off command
// run by systemd after the daemon has stopped (ExecStopPost=) does too.
// Inputs are not touched. It tries every output even when some fail, and
// refuses a line held by a running program (ErrLineBusy), so it never
// fights a daemon that is still running.
func OutputsOff(w Wiring) (Off, error) { return outputsOff(system(), w) }

func outputsOff(h host, w Wiring) (Off, error) {
	if err := w.Validate(); err != nil {
		return Off{}, err
	}
	rel, err := h.kernelRelease()
	if err != nil {
		return Off{}, fmt.Errorf("gpio: %w", err)
	}
	if err := checkKernel(rel); err != nil {
		return Off{}, err
	}
	p, errs := newFinder(h).place(w)
	if len(errs) > 0 {
		return Off{}, errors.Join(errs...)
	}
	off := Off{Chip: p.dev, Label: p.label}
	for _, l := range p.w.lines() {
		if l.output == 0 {
			continue
		}
		spec := lineSpec{offset: l.line.Offset, activeLow: l.line.ActiveLow, bias: l.line.Bias}
		out, err := h.gpio.requestOutput(p.dev, spec) // requested inactive: off
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", l.field, err))
			continue
		}
		if err := out.setValue(false); err != nil {
			errs = append(errs, fmt.Errorf("%s: switch off: %w", l.field, err))
		} else {
			off.Outputs++
		}
		if err := out.Close(); err != nil {
			errs = append(errs, fmt.Errorf("%s: release: %w", l.field, err))
		}
	}
	return off, errors.Join(errs...)
}
