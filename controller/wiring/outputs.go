package wiring

import (
	"fmt"
	"log/slog"

	"github.com/fivechoice/fivechoice/controller/config"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/gpio"
	"github.com/fivechoice/fivechoice/hardware/serial"
)

// An Off is what switching one chamber's outputs off did.
type Off struct {
	Chamber string
	Backend string
	Done    string // what was done, e.g. "8 outputs off on gpiochip0 (pinctrl-bcm2711)"
	Err     error  // why not everything could be switched off: outputs may be on
	// Missing says that the chamber's hardware is not there (no chip, no
	// such lines): nothing can be on, and nothing was tried.
	Missing error
}

// GPIOOutputsOff switches every output of every config.GPIO chamber off. A line
// keeps its level when the process holding it dies, so after a crash or a
// power dip a dispenser or a light can still be on: the daemon calls this
// at start-up, before anything else.
func GPIOOutputsOff(c *config.Config) []Off {
	var out []Off
	for _, ch := range c.Chambers {
		if ch.Backend == hardware.BackendGPIO && ch.GPIO != nil && !ch.Disabled {
			if err := check(ch)(); err != nil {
				out = append(out, Off{Chamber: ch.Name, Backend: ch.Backend, Missing: err})
				continue
			}
			out = append(out, gpioOff(ch))
		}
	}
	return out
}

// OutputsOff switches every output of every chamber off: config.GPIO lines
// directly, serial boards by their halt command, if they answer. It is
// the outputs-off command, which systemd runs whenever the daemon has
// stopped (ExecStopPost=), kill -9 included. Simulated chambers have
// nothing to switch off and are left out.
func OutputsOff(c *config.Config, log *slog.Logger) []Off {
	var out []Off
	for _, ch := range c.Chambers {
		switch {
		case ch.Backend == hardware.BackendGPIO && ch.GPIO != nil:
			out = append(out, gpioOff(ch))
		case ch.Backend == hardware.BackendSerial && ch.Serial != nil:
			out = append(out, serialOff(ch, log.With("chamber", ch.Name)))
		}
	}
	return out
}

func gpioOff(ch config.Chamber) Off {
	r := Off{Chamber: ch.Name, Backend: hardware.BackendGPIO}
	off, err := gpio.OutputsOff(ch.GPIO.Wiring)
	if off.Chip != "" {
		r.Done = fmt.Sprintf("%d outputs off on %s (%s)", off.Outputs, off.Chip, off.Label)
	}
	r.Err = err
	return r
}

// serialOff halts the chamber's board: every output off, pulses under way
// cancelled. A board that does not answer cannot be told anything.
func serialOff(ch config.Chamber, log *slog.Logger) Off {
	r := Off{Chamber: ch.Name, Backend: hardware.BackendSerial}
	c, err := serial.Open(ch.Serial.Port, serial.WithBaudRate(ch.Serial.Baud), serial.WithLogger(log))
	if err != nil {
		r.Err = fmt.Errorf("the board on %s did not answer, so it was not told to switch its outputs off: %w", ch.Serial.Port, err)
		return r
	}
	err = c.Halt()
	if cerr := c.Close(); err == nil {
		err = cerr // Close halts too
	}
	if err != nil {
		r.Err = fmt.Errorf("halting the board on %s: %w", ch.Serial.Port, err)
		return r
	}
	r.Done = "board on " + ch.Serial.Port + " halted: every output off"
	return r
}
