// Package sim is the simulated-hardware backend: a chamber whose beams are
// broken by a simulated subject (a scripted one from a scenario file, or a
// virtual rat from package rat) and whose lights and dispenser the subject
// can see. The chamber is the device; a Subject is whatever animal is put in
// it, so the model of a rat lives apart, above this package, and a scenario
// needs no rat at all.
//
// A simulated chamber keeps time in one of two ways. On virtual time
// (NewVirtual) it is also the session's timeline: the runner asks it for the
// next input before a deadline and it jumps straight there, so a 30-minute
// session runs in well under a millisecond. On real time (NewRealtime) a
// goroutine delivers the subject's actions on the wall clock through Events,
// exactly as a hardware backend does. The runner cannot tell them apart.
package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// ErrHorizon is returned by Next when the run reaches its horizon (a
// scenario's end_ms) before anything else happens. Runners recognise it by
// its Horizon method.
var ErrHorizon error = horizonError{}

type horizonError struct{}

func (horizonError) Error() string { return "sim: run horizon reached" }
func (horizonError) Horizon() bool { return true }

// ErrClosed is the error of a chamber that was closed.
var ErrClosed = errors.New("sim: chamber closed")

// An ActionID names a scheduled action so that a subject can cancel it.
type ActionID uint64

// Actions is what a subject acts on the chamber through: it schedules the
// beam breaks and releases it means to make, and withdraws those it thinks
// better of. The chamber carries them out at their session times.
type Actions interface {
	// Schedule makes the subject break (entry) or restore a beam at a session
	// time; actions at equal times happen in the order scheduled.
	Schedule(at time.Duration, in hardware.Input, entry bool) ActionID
	// Cancel withdraws an action that has not happened yet.
	Cancel(id ActionID)
}

// A Subject is the animal in a simulated chamber.
type Subject interface {
	// Begin is called at session time zero, with the actions the subject
	// may schedule for the rest of the session.
	Begin(a Actions)
	// Observe is told of every output change and pellet, at its time.
	Observe(t time.Duration, o hardware.Output, on bool)
}

// An OutputChange is one output change as the chamber applied it.
type OutputChange struct {
	At     time.Duration
	Output hardware.Output
	On     bool
}

// Chamber is a simulated operant chamber. It implements hardware.Chamber;
// on virtual time it is also the session's timeline (Next).
type Chamber struct {
	mu      sync.Mutex
	subject Subject
	virtual bool
	horizon time.Duration
	now     time.Duration // virtual now
	start   time.Time     // real time zero
	queue   queue
	order   uint64
	nextID  ActionID
	seq     uint64
	levels  [hardware.Sync + 1]bool
	log     *[]OutputChange
	err     error
	begun   bool

	events chan hardware.Event // real time only
	timer  TimerFunc
	wake   chan struct{}
	done   chan struct{}
	closed bool
}

// An Option configures a simulated chamber.
type Option func(*Chamber)

// WithHorizon stops a virtual run at t: everything due at or before t is
// processed, then Next returns ErrHorizon.
func WithHorizon(t time.Duration) Option { return func(c *Chamber) { c.horizon = t } }

// WithOutputLog appends every output change to log, for checking what the
// chamber showed the subject.
func WithOutputLog(log *[]OutputChange) Option { return func(c *Chamber) { c.log = log } }

// A TimerFunc returns a channel that receives once at deadline, and a
// function that stops it.
type TimerFunc func(deadline time.Time) (c <-chan time.Time, stop func() bool)

// WithTimer makes a real-time chamber deliver its subject's actions on
// timers from f (a precision scheduler's, say) instead of Go's, which are
// about a millisecond late.
func WithTimer(f TimerFunc) Option { return func(c *Chamber) { c.timer = f } }

func goTimer(deadline time.Time) (<-chan time.Time, func() bool) {
	t := time.NewTimer(time.Until(deadline))
	return t.C, t.Stop
}

// NewVirtual returns a chamber on virtual time.
func NewVirtual(s Subject, opts ...Option) *Chamber {
	c := &Chamber{subject: s, virtual: true, horizon: hardware.Forever}
	for _, o := range opts {
		o(c)
	}
	return c
}

// NewRealtime returns a chamber whose subject acts on the wall clock.
func NewRealtime(s Subject, opts ...Option) *Chamber {
	c := &Chamber{
		subject: s,
		horizon: hardware.Forever,
		events:  make(chan hardware.Event, 256),
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Begin marks session time zero and lets the subject begin.
func (c *Chamber) Begin() (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.begun {
		return c.start, errors.New("sim: chamber already begun")
	}
	c.begun = true
	if !c.virtual {
		c.start = time.Now()
		go c.pump()
	}
	c.subject.Begin(c)
	return c.start, nil
}

// Schedule implements Actions.
func (c *Chamber) Schedule(at time.Duration, in hardware.Input, entry bool) ActionID {
	c.nextID++
	c.order++
	c.queue.push(action{at: at, order: c.order, id: c.nextID, input: in, entry: entry})
	if c.wake != nil {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	return c.nextID
}

// Cancel implements Actions. A subject has few actions pending, so a scan
// that marks the action dead is cheaper than any index.
func (c *Chamber) Cancel(id ActionID) {
	for i := range c.queue {
		if c.queue[i].id == id {
			c.queue[i].dead = true
			return
		}
	}
}

// popDue returns the next live action due before deadline.
func (c *Chamber) popDue(deadline time.Duration) (action, bool) {
	for len(c.queue) > 0 {
		a := c.queue[0]
		if a.at >= deadline || a.at > c.horizon {
			return action{}, false
		}
		c.queue.pop()
		if a.dead {
			continue
		}
		return a, true
	}
	return action{}, false
}

func (c *Chamber) event(a action) hardware.Event {
	c.seq++
	return hardware.Event{Input: a.input, Entry: a.entry, At: a.at, Seq: c.seq}
}

// Next returns the subject's next input before deadline, or ok=false once
// virtual time has reached the deadline (R19: an input at the deadline comes
// after it). It is the timeline of a virtual chamber; on real time it is an
// error.
func (c *Chamber) Next(ctx context.Context, deadline time.Duration) (hardware.Event, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.virtual {
		return hardware.Event{}, false, errors.New("sim: Next on a real-time chamber")
	}
	if c.err != nil {
		return hardware.Event{}, false, c.err
	}
	if a, ok := c.popDue(deadline); ok {
		c.now = a.at
		return c.event(a), true, nil
	}
	if deadline > c.horizon {
		c.now = c.horizon
		return hardware.Event{}, false, ErrHorizon
	}
	c.now = deadline
	return hardware.Event{}, false, nil
}

// Now returns the chamber's current session time.
func (c *Chamber) Now() time.Duration {
	if c.virtual {
		return c.now
	}
	return time.Since(c.start)
}

// pump delivers a real-time subject's actions on the wall clock.
func (c *Chamber) pump() {
	defer close(c.events)
	timer := c.timer
	if timer == nil {
		timer = goTimer
	}
	for {
		c.mu.Lock()
		a, ok := c.popDue(time.Since(c.start) + 1)
		next := hardware.Forever
		if !ok && len(c.queue) > 0 {
			next = c.queue[0].at
		}
		var ev hardware.Event
		if ok {
			ev = c.event(a)
		}
		c.mu.Unlock()
		if ok {
			select {
			case c.events <- ev:
			case <-c.done:
				return
			}
			continue
		}
		var fire <-chan time.Time // nil: nothing to wait for but a wake
		stop := func() bool { return false }
		if next != hardware.Forever {
			fire, stop = timer(c.start.Add(next))
		}
		select {
		case <-fire:
		case <-c.wake:
		case <-c.done:
			stop()
			return
		}
		stop()
	}
}

// Events delivers a real-time chamber's inputs; a virtual chamber has none
// (its timeline is Next).
func (c *Chamber) Events() <-chan hardware.Event { return c.events }

// Set switches a light, or the sync line (a barcode's edges); the subject
// sees it at once.
func (c *Chamber) Set(o hardware.Output, on bool) (time.Duration, error) {
	if !o.Valid() || o == hardware.Pellet || o == hardware.SyncCode {
		return 0, fmt.Errorf("sim: cannot set %v", o)
	}
	return c.apply(o, on, true)
}

// Pulse delivers one pellet, or pulses the sync line (a simulated pulse
// has no width: only its start is logged).
func (c *Chamber) Pulse(o hardware.Output) (time.Duration, error) {
	if !o.Pulsed() {
		return 0, fmt.Errorf("sim: cannot pulse %v", o)
	}
	return c.apply(o, true, false)
}

// apply drives o; level says it is switched (Set) rather than pulsed, so
// that Lit and Halt know its level.
func (c *Chamber) apply(o hardware.Output, on, level bool) (time.Duration, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	t := c.Now()
	if level {
		c.levels[o] = on
	}
	if c.log != nil {
		*c.log = append(*c.log, OutputChange{At: t, Output: o, On: on})
	}
	c.subject.Observe(t, o, on)
	return t, nil
}

// Lit reports whether an output is on.
func (c *Chamber) Lit(o hardware.Output) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int(o) < len(c.levels) && c.levels[o]
}

// Halt switches every output off.
func (c *Chamber) Halt() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.Now()
	for o, on := range c.levels {
		if on {
			c.levels[o] = false
			if c.log != nil {
				*c.log = append(*c.log, OutputChange{At: t, Output: hardware.Output(o), On: false})
			}
		}
	}
	return nil
}

// Fail makes the chamber fail as broken hardware does: Next and Events end
// with err, and outputs can no longer be driven. Tests use it to check that
// a fault ends only this chamber's session.
func (c *Chamber) Fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
	c.shutdown()
}

func (c *Chamber) shutdown() {
	if c.done != nil && !c.closed {
		c.closed = true
		close(c.done)
	}
}

// Err reports why the chamber stopped delivering events.
func (c *Chamber) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close halts and releases the chamber.
func (c *Chamber) Close() error {
	err := c.Halt()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = ErrClosed
	}
	c.shutdown()
	return err
}

var _ hardware.Chamber = (*Chamber)(nil)
