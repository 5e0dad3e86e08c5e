// Package gpio is the Linux GPIO backend: a chamber whose beams and outputs
// are lines of a GPIO chip, driven through the kernel's GPIO character
// device (uAPI v2, Linux 5.10 or later).
//
// Inputs are kernel edge events. Their CLOCK_MONOTONIC timestamps are
// turned into session time once, at Begin, so a latency never includes the
// time the event took to reach this process (R18). Kernel sequence numbers
// expose lost events as gaps. Output changes are timed by reading the same
// clock just before and after the kernel call that makes them.
//
// Only cdev.go knows the GPIO library; the rest talks to it through the
// small lines interface, and the tests use a fake. Tests against the real
// kernel (gpio-sim) run in a virtual machine: see scripts/gpio-vm-test.sh
// and docs/gpio.md.
package gpio

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// ErrClosed is the error of a chamber that was closed.
var ErrClosed = errors.New("gpio: chamber closed")

// DefaultEventBuffer is how many input events wait for the runner before
// further ones are dropped (and counted).
const DefaultEventBuffer = 1024

// An Option configures a chamber.
type Option func(*Chamber)

// WithLogger sets where lost and dropped events and faults are logged.
func WithLogger(l *slog.Logger) Option { return func(c *Chamber) { c.log = l } }

// WithEventBuffer sets how many input events may wait for the runner.
func WithEventBuffer(n int) Option { return func(c *Chamber) { c.bufSize = max(n, 1) } }

// withHost replaces the machine, for tests.
func withHost(h host) Option { return func(c *Chamber) { c.h = h } }

// Chamber is an operant chamber on GPIO lines; it implements
// hardware.Chamber. One Chamber serves one session: Open, Begin, the
// session, Close.
type Chamber struct {
	w       Wiring // as given, with named lines' offsets found
	dev     string // the chip's device, gpiochipN
	h       host
	log     *slog.Logger
	bufSize int

	// Fixed by Open.
	inputs   map[int]hardware.Input // by line offset
	outs     map[hardware.Output]outputLine
	order    []hardware.Output // the outputs in wiring order, for Halt
	req      io.Closer         // the input request
	events   chan hardware.Event
	notify   chan struct{} // wakes the reporter
	stop     chan struct{} // stops the reporter
	reported chan struct{} // closed when the reporter has stopped
	shut     sync.Once

	// The event handler's own: it runs serially on the library's goroutine.
	lastSeqno uint32
	seq       uint64

	begun   atomic.Bool
	mono0   atomic.Int64 // CLOCK_MONOTONIC (ns) at session time zero
	lost    atomic.Uint64
	dropped atomic.Uint64
	early   atomic.Uint64

	mu     sync.Mutex
	err    error
	closed bool
	pellet pelletState
	// syncGen numbers sync pulses; Halt bumps it, so that a pulse's end
	// timer does nothing after a halt or a later pulse.
	syncGen uint64
}

// Open checks the wiring against this machine as Check does, requests every
// line (outputs off) and returns the chamber. A line held by another
// chamber or program is refused (ErrLineBusy).
func Open(w Wiring, opts ...Option) (*Chamber, error) {
	c := &Chamber{h: system(), log: slog.Default(), bufSize: DefaultEventBuffer}
	for _, o := range opts {
		o(c)
	}
	ps, err := check(c.h, []Wiring{w})
	if err != nil {
		return nil, err
	}
	c.w, c.dev = ps[0].w, ps[0].dev
	c.inputs = map[int]hardware.Input{}
	c.outs = map[hardware.Output]outputLine{}
	c.events = make(chan hardware.Event, c.bufSize)
	c.notify = make(chan struct{}, 1)
	c.stop = make(chan struct{})
	c.reported = make(chan struct{})
	c.mono0.Store(int64(c.h.monotonic())) // times before Begin count from Open
	var specs []lineSpec
	for _, l := range c.w.lines() {
		spec := lineSpec{offset: l.line.Offset, activeLow: l.line.ActiveLow, bias: l.line.Bias}
		if l.input != 0 {
			c.inputs[spec.offset] = l.input
			specs = append(specs, spec)
			continue
		}
		out, err := c.h.gpio.requestOutput(c.dev, spec)
		if err != nil {
			c.release()
			return nil, fmt.Errorf("%s: %w", l.field, err)
		}
		c.outs[l.output] = out
		c.order = append(c.order, l.output)
	}
	req, err := c.h.gpio.requestInputs(c.dev, specs, c.w.Debounce, c.handle)
	if err != nil {
		c.release()
		return nil, fmt.Errorf("inputs: %w", err)
	}
	c.req = req
	go c.report()
	return c, nil
}

// release closes the outputs requested so far, on a failed Open.
func (c *Chamber) release() {
	for _, o := range c.order {
		c.outs[o].Close()
	}
}

// Holes is the number of holes wired.
func (c *Chamber) Holes() int { return len(c.w.Holes) }

// Begin marks session time zero: CLOCK_MONOTONIC now. Input edges from
// before it are not delivered.
func (c *Chamber) Begin() (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return time.Time{}, c.err
	}
	if c.begun.Load() {
		return time.Time{}, errors.New("gpio: chamber already begun")
	}
	m1 := c.h.monotonic()
	wall := time.Now() // Go's monotonic reading is CLOCK_MONOTONIC too
	m2 := c.h.monotonic()
	c.mono0.Store(int64(m1 + (m2-m1)/2))
	c.begun.Store(true)
	return wall, nil
}

// handle takes one kernel edge event. It runs on the library's goroutine,
// must never block and never closes lines.
func (c *Chamber) handle(e edge) {
	step := e.seqno - c.lastSeqno // from 0 before the first event: the kernel counts from 1
	c.lastSeqno = e.seqno
	if step > 1 && step < 1<<31 {
		c.lost.Add(uint64(step - 1))
		c.poke()
	}
	if step == 0 || step >= 1<<31 { // not newer than the last: cannot happen in one request
		step = 1
	}
	in, ok := c.inputs[e.offset]
	if !ok {
		return
	}
	if !c.begun.Load() {
		c.early.Add(1)
		return
	}
	at := e.timestamp - time.Duration(c.mono0.Load()) - c.w.Debounce
	if at < 0 {
		c.early.Add(1)
		return
	}
	c.seq += uint64(step)
	ev := hardware.Event{Input: in, Entry: e.active, At: at, Seq: c.seq}
	select {
	case c.events <- ev:
	default:
		c.dropped.Add(1)
		c.poke()
	}
}

func (c *Chamber) poke() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// report logs lost and dropped events, away from the event handler.
func (c *Chamber) report() {
	defer close(c.reported)
	var lost, dropped uint64
	tell := func() {
		if n := c.lost.Load(); n != lost {
			c.log.Warn("gpio: kernel lost input events (gap in sequence numbers)", "chip", c.w.Chip, "lost", n-lost, "lost_total", n)
			lost = n
		}
		if n := c.dropped.Load(); n != dropped {
			c.log.Warn("gpio: input events dropped: event buffer full", "chip", c.w.Chip, "dropped", n-dropped, "dropped_total", n, "buffer", c.bufSize)
			dropped = n
		}
	}
	for {
		select {
		case <-c.notify:
			tell()
		case <-c.stop:
			tell()
			return
		}
	}
}

// Lost is how many input events the kernel lost (gaps in its sequence
// numbers, e.g. when its event queue overflowed).
func (c *Chamber) Lost() uint64 { return c.lost.Load() }

// Dropped is how many input events were dropped because the runner had not
// taken the earlier ones (the event buffer was full).
func (c *Chamber) Dropped() uint64 { return c.dropped.Load() }

// Events delivers input edges in the kernel's order. Event.Seq follows the
// kernel's sequence numbers, so lost and dropped events both show as gaps.
func (c *Chamber) Events() <-chan hardware.Event { return c.events }

// Set switches a light, or the sync line (a barcode's edges; this ends a
// sync pulse under way), and returns the session time it took effect.
func (c *Chamber) Set(o hardware.Output, on bool) (time.Duration, error) {
	if o.Pulsed() && o != hardware.Sync {
		return 0, fmt.Errorf("gpio: %v is pulsed, not set", o)
	}
	line, ok := c.outs[o]
	if !ok {
		return 0, fmt.Errorf("gpio: %v is not wired", o)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if o == hardware.Sync {
		c.syncGen++ // a pulse's end timer leaves the line to Set from now
	}
	at, err := c.drive(line, on)
	if err != nil {
		return 0, fmt.Errorf("gpio: set %v: %w", o, err)
	}
	return at, nil
}

// drive sets a line and returns the session time of the change: the middle
// of the clock readings just before and after the kernel call. c.mu is
// held.
func (c *Chamber) drive(l outputLine, on bool) (time.Duration, error) {
	t0 := c.h.monotonic()
	err := l.setValue(on)
	t1 := c.h.monotonic()
	if err != nil {
		return 0, err
	}
	return t0 + (t1-t0)/2 - time.Duration(c.mono0.Load()), nil
}

// fail records a hardware fault that no caller is there to be told of and
// ends Events. c.mu is held.
func (c *Chamber) fail(err error) {
	if c.err == nil {
		c.err = err
	}
	c.log.Error("gpio: chamber failed", "chip", c.w.Chip, "err", err)
	go c.shutdown()
}

// shutdown releases the inputs and ends Events. Closing the request waits
// for the event handler to return, so nothing sends on events after.
func (c *Chamber) shutdown() {
	c.shut.Do(func() {
		c.req.Close()
		close(c.events)
		close(c.stop)
		<-c.reported
	})
}

// Halt switches every output off, cancelling a pellet pulse under way and
// any waiting. It tries every line even when some fail.
func (c *Chamber) Halt() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.halt()
}

func (c *Chamber) halt() error {
	p := &c.pellet
	p.gen++
	if p.timer != nil {
		p.timer.Stop()
	}
	p.phase, p.queued = pelletIdle, 0
	c.syncGen++
	if c.closed {
		return nil
	}
	var errs []error
	for _, o := range c.order {
		if _, err := c.drive(c.outs[o], false); err != nil {
			errs = append(errs, fmt.Errorf("gpio: halt %v: %w", o, err))
		}
	}
	return errors.Join(errs...)
}

// Err reports the fault that closed Events, or ErrClosed after Close.
func (c *Chamber) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close halts the chamber and releases its lines. Outputs are switched off
// before their lines are released, since a released line may keep its
// level.
func (c *Chamber) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	if c.err == nil {
		c.err = ErrClosed
	}
	errs := []error{c.halt()}
	c.closed = true
	for _, o := range c.order {
		if err := c.outs[o].Close(); err != nil {
			errs = append(errs, fmt.Errorf("gpio: release %v: %w", o, err))
		}
	}
	c.mu.Unlock()
	c.shutdown()
	return errors.Join(errs...)
}

var _ hardware.Chamber = (*Chamber)(nil)
