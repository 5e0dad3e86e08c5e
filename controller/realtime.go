package controller

import (
	"context"
	"errors"
	"time"

	"github.com/fivechoice/fivechoice/controller/timing"
	"github.com/fivechoice/fivechoice/hardware"
)

// errEventsClosed is the fault of a chamber whose events ended without
// saying why.
var errEventsClosed = errors.New("chamber input events ended")

// wallTimeline is the real-time timeline: inputs from the chamber's Events,
// deadlines on the wall clock measured from session time zero. Deadlines
// come from the precision scheduler if there is one, else from a Go timer
// (about a millisecond late).
type wallTimeline struct {
	ch      hardware.Chamber
	events  <-chan hardware.Event
	start   time.Time
	sched   *timing.Scheduler
	latency time.Duration   // Session.InputLatency
	pending *hardware.Event // an input at or after the deadline, held back
}

func newWallTimeline(ch hardware.Chamber, start time.Time, sched *timing.Scheduler, latency time.Duration) *wallTimeline {
	return &wallTimeline{ch: ch, events: ch.Events(), start: start, sched: sched, latency: max(latency, 0)}
}

func (w *wallTimeline) Now() time.Duration { return time.Since(w.start) }

func (w *wallTimeline) closed() error {
	if err := w.ch.Err(); err != nil {
		return err
	}
	return errEventsClosed
}

// at returns a channel that receives at session time t, and its stop.
func (w *wallTimeline) at(t time.Duration) (<-chan time.Time, func() bool) {
	if w.sched != nil {
		tm := w.sched.Timer(w.start.Add(t))
		return tm.C, tm.Stop
	}
	tm := time.NewTimer(time.Until(w.start.Add(t)))
	return tm.C, tm.Stop
}

// Next waits for the next input or the deadline. Inputs carry hardware
// timestamps, which can reach us after the wall clock has passed the
// deadline; so when the timer fires, inputs that happened before the
// deadline are still handed out first (R18, R19): those already delivered,
// and those delivered within the input latency.
func (w *wallTimeline) Next(ctx context.Context, deadline time.Duration) (hardware.Event, bool, error) {
	if p := w.pending; p != nil && p.At < deadline {
		w.pending = nil
		return *p, true, nil
	}
	var fire <-chan time.Time // nil: no deadline
	if deadline != hardware.Forever {
		c, stop := w.at(deadline)
		defer stop()
		fire = c
	}
	events := w.events
	if w.pending != nil {
		events = nil // keep order: nothing after the held input until the deadline
	}
	for {
		select {
		case <-ctx.Done():
			return hardware.Event{}, false, ctx.Err()
		case ev, ok := <-events:
			if !ok {
				return hardware.Event{}, false, w.closed()
			}
			if ev.At < deadline {
				return ev, true, nil
			}
			w.pending, events = &ev, nil
		case <-fire:
			if w.pending != nil {
				return hardware.Event{}, false, nil
			}
			return w.late(ctx, deadline)
		}
	}
}

// late is Next once the deadline's timer has fired and no input is held:
// it returns an input that happened before the deadline if one is already
// delivered or arrives within the input latency after the deadline, else
// the expiry (ok false). An input stamped at or after the deadline ends the
// wait, since inputs arrive in order; it is held for later.
func (w *wallTimeline) late(ctx context.Context, deadline time.Duration) (hardware.Event, bool, error) {
	var wait <-chan time.Time // nil: only take what is already delivered
	if w.latency > 0 && w.Now() < deadline+w.latency {
		c, stop := w.at(deadline + w.latency)
		defer stop()
		wait = c
	}
	var ev hardware.Event
	var ok bool
	if wait == nil {
		select {
		case ev, ok = <-w.events:
		default:
			return hardware.Event{}, false, nil
		}
	} else {
		select {
		case ev, ok = <-w.events:
		case <-wait:
			return hardware.Event{}, false, nil
		case <-ctx.Done():
			return hardware.Event{}, false, ctx.Err()
		}
	}
	if !ok {
		return hardware.Event{}, false, w.closed()
	}
	if ev.At < deadline {
		return ev, true, nil
	}
	w.pending = &ev
	return hardware.Event{}, false, nil
}
