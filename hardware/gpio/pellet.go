package gpio

// The pellet dispenser: one pulse per pellet, timed here.

import (
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// pelletState is the dispenser's pulse in progress and those waiting.
type pelletState struct {
	phase  int // pelletIdle, pelletHigh, pelletGap
	queued int
	gen    uint64 // bumped by Halt: a timer of an older generation does nothing
	timer  *time.Timer
	freeAt time.Duration // session time the dispenser can start the next pulse
}

const (
	pelletIdle = iota
	pelletHigh
	pelletGap
)

// Pulse delivers one pellet: the dispenser line goes on now and off after
// the wiring's pellet pulse, on a timer, so Pulse does not wait. A pulse
// asked for while one is under way follows it after a gap as long as the
// pulse; Pulse then returns the session time it is due.
func (c *Chamber) Pulse(o hardware.Output) (time.Duration, error) {
	if o == hardware.Sync {
		return c.syncPulse()
	}
	if o != hardware.Pellet {
		return 0, fmt.Errorf("gpio: cannot pulse %v", o)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	p := &c.pellet
	if p.phase != pelletIdle {
		p.queued++
		return p.freeAt + time.Duration(p.queued-1)*2*c.w.PelletPulse, nil
	}
	return c.startPulse()
}

// startPulse switches the dispenser on and arms its end. c.mu is held.
func (c *Chamber) startPulse() (time.Duration, error) {
	at, err := c.drive(c.outs[hardware.Pellet], true)
	if err != nil {
		c.pellet.phase, c.pellet.queued = pelletIdle, 0
		return 0, fmt.Errorf("gpio: pellet on: %w", err)
	}
	p := &c.pellet
	p.phase = pelletHigh
	p.freeAt = at + 2*c.w.PelletPulse
	gen := p.gen
	p.timer = time.AfterFunc(c.w.PelletPulse, func() { c.endPulse(gen) })
	return at, nil
}

func (c *Chamber) endPulse(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := &c.pellet
	if p.gen != gen || p.phase != pelletHigh || c.closed {
		return
	}
	if _, err := c.drive(c.outs[hardware.Pellet], false); err != nil {
		p.phase, p.queued = pelletIdle, 0
		c.fail(fmt.Errorf("gpio: pellet off: %w", err))
		return
	}
	if p.queued == 0 {
		p.phase = pelletIdle
		return
	}
	p.phase = pelletGap
	p.timer = time.AfterFunc(c.w.PelletPulse, func() { c.nextPulse(gen) })
}

func (c *Chamber) nextPulse(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := &c.pellet
	if p.gen != gen || p.phase != pelletGap || c.closed || c.err != nil {
		return
	}
	p.queued--
	if _, err := c.startPulse(); err != nil {
		c.fail(err)
	}
}

// syncPulse raises the sync line now and lowers it after the wiring's sync
// pulse, on a timer. A pulse asked for while one is high extends it (the
// protocol's shortest interval between two is longer than any sane pulse).
func (c *Chamber) syncPulse() (time.Duration, error) {
	line, ok := c.outs[hardware.Sync]
	if !ok {
		return 0, fmt.Errorf("gpio: %v is not wired", hardware.Sync)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	at, err := c.drive(line, true)
	if err != nil {
		return 0, fmt.Errorf("gpio: sync on: %w", err)
	}
	c.syncGen++
	gen := c.syncGen
	time.AfterFunc(c.w.SyncPulse, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.syncGen != gen || c.closed || c.err != nil {
			return // a later pulse, a halt or a close has it
		}
		if _, err := c.drive(line, false); err != nil {
			c.fail(fmt.Errorf("gpio: sync off: %w", err))
		}
	})
	return at, nil
}
