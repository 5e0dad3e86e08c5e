package wiring

// This file is the one place that knows every chamber backend: it turns a
// configured chamber into the supervisor's Box, whose Open connects the
// hardware for one session. A new backend is wired in here and nowhere
// else.

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/controller/config"
	"github.com/fivechoice/fivechoice/controller/timing"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/gpio"
	"github.com/fivechoice/fivechoice/hardware/serial"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
)

// Hooks are what the daemon lends the backends.
type Hooks struct {
	Log *slog.Logger // nil: slog.Default()
	// HardwareError, if set, is told of every error a chamber's hardware
	// gives: opening it, driving an output, its inputs failing (for the
	// metrics). It is called on the session's goroutine and must be quick.
	HardwareError func(chamber string, err error)
	// Scheduler, if set, fires every real-time chamber's deadlines (and a
	// real-time simulated subject's actions) precisely; nil uses Go's
	// timers, about a millisecond late.
	Scheduler *timing.Scheduler
	// Learner, if set, gives a subject's virtual rat as it is today, for
	// simulated chambers whose rats learn (sim.learns: true): naive at
	// first, trained by the subject's own stored sessions.
	Learner func(subject string) (rat.Traits, error)
}

// Boxes returns the supervisor's boxes, one per chamber, in the order
// configured. A backend that this binary lacks would be refused here, at
// start-up, rather than when the first session is started on it.
func Boxes(c *config.Config, h Hooks) ([]controller.Box, error) {
	if h.Log == nil {
		h.Log = slog.Default()
	}
	var boxes []controller.Box
	var errs []error
	for _, ch := range c.Chambers {
		var open controller.Opener
		switch ch.Backend {
		case hardware.BackendSim:
			open = simOpen(ch, h.Scheduler, h.Learner)
		case hardware.BackendGPIO:
			open = gpioOpen(ch, h.Log.With("chamber", ch.Name))
		case hardware.BackendSerial:
			open = serialOpen(ch, h.Log.With("chamber", ch.Name))
		default:
			errs = append(errs, fmt.Errorf("chamber %s: unknown backend %q", ch.Name, ch.Backend))
			continue
		}
		if h.HardwareError != nil {
			open = counting(ch.Name, open, h.HardwareError)
		}
		boxes = append(boxes, controller.Box{Name: ch.Name, Backend: ch.Backend, Open: open, Scheduler: h.Scheduler,
			InputLatency: ch.InputLatency, Check: check(ch), Disabled: ch.Disabled, Sync: hasSync(ch), Barcode: barcode(ch)})
	}
	return boxes, errors.Join(errs...)
}

// simOpen runs a virtual rat in a simulated chamber: on the wall clock at
// speed 1, else on virtual time paced speed times faster than the wall
// clock. The protocol's parameters are never scaled, so what is recorded
// is what ran.
func simOpen(ch config.Chamber, sched *timing.Scheduler, learner func(subject string) (rat.Traits, error)) controller.Opener {
	traits, speed := ch.Sim.Rat.Params(), ch.Sim.Speed
	var opts []sim.Option
	if sched != nil {
		opts = append(opts, sim.WithTimer(func(d time.Time) (<-chan time.Time, func() bool) {
			t := sched.Timer(d)
			return t.C, t.Stop
		}))
	}
	return func(p protocols.Params, seed uint64, id string) (hardware.Chamber, controller.Timeline, error) {
		traits := traits
		if ch.Sim.Learns {
			if learner == nil {
				return nil, nil, fmt.Errorf("chamber %s: virtual rats that learn need the records (no learner hook)", ch.Name)
			}
			var err error
			if traits, err = learner(id); err != nil {
				return nil, nil, fmt.Errorf("virtual rat %s: %w", id, err)
			}
		}
		subject := rat.New(traits, p.Holes, seed)
		if speed <= 1 {
			return sim.NewRealtime(subject, opts...), nil, nil
		}
		c := sim.NewVirtual(subject)
		return c, sim.NewPaced(c, speed), nil
	}
}

func gpioOpen(ch config.Chamber, log *slog.Logger) controller.Opener {
	w := ch.GPIO.Wiring
	return func(p protocols.Params, _ uint64, _ string) (hardware.Chamber, controller.Timeline, error) {
		if p.Holes != len(w.Holes) {
			return nil, nil, fmt.Errorf("the protocol uses %d holes but the chamber is wired with %d", p.Holes, len(w.Holes))
		}
		c, err := gpio.Open(w, gpio.WithLogger(log))
		if err != nil {
			return nil, nil, err
		}
		return c, nil, nil
	}
}

// serialOpen connects to the chamber's I/O board for one session: Open
// handshakes with the board, which says how many holes it has.
func serialOpen(ch config.Chamber, log *slog.Logger) controller.Opener {
	port, baud := ch.Serial.Port, ch.Serial.Baud
	opts := []serial.Option{serial.WithBaudRate(baud), serial.WithLogger(log)}
	if ch.Serial.Sync {
		opts = append(opts, serial.WithSyncPulse(ch.Serial.SyncPulse))
	}
	if ch.Serial.Sync && ch.Barcode != nil {
		opts = append(opts, serial.WithSyncSet()) // the barcode's edges: protocol 1.2
	}
	return func(p protocols.Params, _ uint64, _ string) (hardware.Chamber, controller.Timeline, error) {
		c, err := serial.Open(port, opts...)
		if err != nil {
			return nil, nil, err
		}
		if c.Holes() != p.Holes {
			c.Close()
			return nil, nil, fmt.Errorf("the protocol uses %d holes but the board on %s has %d", p.Holes, port, c.Holes())
		}
		return c, nil, nil
	}
}

// hasSync says whether a chamber has a sync line to pulse.
func hasSync(ch config.Chamber) bool {
	_, ok := ch.SyncPulse()
	return ok
}

// barcode is a chamber's barcode, placed one bit after its sync pulse ends.
func barcode(ch config.Chamber) controller.Barcode {
	w, ok := ch.SyncPulse()
	if !ok || ch.Barcode == nil {
		return controller.Barcode{}
	}
	return controller.Barcode{Bits: ch.Barcode.Bits, Bit: ch.Barcode.Bit, Lead: w + ch.Barcode.Bit}
}

// check is a chamber's hardware check (controller.Box.Check): its serial
// port or its GPIO chip and lines are there. Simulated chambers have none.
func check(ch config.Chamber) func() error {
	switch ch.Backend {
	case hardware.BackendSerial:
		port := ch.Serial.Port
		return func() error {
			if _, err := os.Stat(port); err != nil {
				return fmt.Errorf("serial port: %w", err)
			}
			return nil
		}
	case hardware.BackendGPIO:
		w := ch.GPIO.Wiring
		return func() error {
			err := gpio.Check([]gpio.Wiring{w})
			if err != nil {
				return errors.New(reChamberN.ReplaceAllString(err.Error(), ""))
			}
			return nil
		}
	}
	return nil
}

var reChamberN = regexp.MustCompile(`^chamber (\d+): `)

// CheckHardware checks the chambers against this machine without driving
// anything: config.GPIO chips and lines exist and the kernel is recent enough, and
// serial devices exist. The daemon runs it at start-up; `config check
// --hardware` on request.
func CheckHardware(c *config.Config) error {
	var errs []error
	var wirings []gpio.Wiring
	var names []string
	for _, ch := range c.Chambers {
		if ch.Disabled {
			continue
		}
		switch ch.Backend {
		case hardware.BackendGPIO:
			wirings = append(wirings, ch.GPIO.Wiring)
			names = append(names, ch.Name)
		case hardware.BackendSerial:
			if _, err := os.Stat(ch.Serial.Port); err != nil {
				errs = append(errs, fmt.Errorf("chamber %s: serial port: %w", ch.Name, err))
			}
		}
	}
	if len(wirings) > 0 {
		// gpio.Check numbers chambers from 1 in the order given; say
		// which chamber that is.
		for _, err := range flatten(gpio.Check(wirings)) {
			msg := err.Error()
			if m := reChamberN.FindStringSubmatch(msg); m != nil {
				if n, _ := strconv.Atoi(m[1]); n >= 1 && n <= len(names) {
					err = fmt.Errorf("chamber %s: %w", names[n-1], errors.Unwrap(err))
				}
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// counting wraps a box's Open so that every error its hardware gives is
// reported to hook.
func counting(name string, open controller.Opener, hook func(string, error)) controller.Opener {
	return func(p protocols.Params, seed uint64, subject string) (hardware.Chamber, controller.Timeline, error) {
		ch, tl, err := open(p, seed, subject)
		if err != nil {
			hook(name, err)
			return nil, nil, err
		}
		return &counted{Chamber: ch, report: func(err error) { hook(name, err) }}, tl, nil
	}
}

// counted is a chamber whose fault is reported once: the first error it
// gives, whichever call gives it. A fault shows in several calls (the
// output that failed, the halt after it, the inputs ending), and counting
// each made one pulled cable three hardware errors (issue 12).
type counted struct {
	hardware.Chamber
	report func(error)
	once   sync.Once
}

func (c *counted) seen(err error) error {
	if err != nil {
		c.once.Do(func() { c.report(err) })
	}
	return err
}

func (c *counted) Begin() (time.Time, error) {
	t, err := c.Chamber.Begin()
	return t, c.seen(err)
}

func (c *counted) Set(o hardware.Output, on bool) (time.Duration, error) {
	t, err := c.Chamber.Set(o, on)
	return t, c.seen(err)
}

func (c *counted) Pulse(o hardware.Output) (time.Duration, error) {
	t, err := c.Chamber.Pulse(o)
	return t, c.seen(err)
}

func (c *counted) Halt() error { return c.seen(c.Chamber.Halt()) }

// Err is asked when the chamber's inputs have ended: a chamber closed on
// purpose is no fault.
func (c *counted) Err() error {
	err := c.Chamber.Err()
	if err != nil && !errors.Is(err, sim.ErrClosed) && !errors.Is(err, gpio.ErrClosed) && !errors.Is(err, serial.ErrClosed) {
		c.seen(err)
	}
	return err
}

// flatten unpacks joined errors, so that each gets its chamber's name.
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
