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
	timer   *time.Timer
	pending *hardware.Event // an input at or after the deadline, held back
}

func newWallTimeline(ch hardware.Chamber, start time.Time, sched *timing.Scheduler) *wallTimeline {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &wallTimeline{ch: ch, events: ch.Events(), start: start, sched: sched, timer: t}
}

func (w *wallTimeline) Now() time.Duration { return time.Since(w.start) }

func (w *wallTimeline) closed() error {
	if err := w.ch.Err(); err != nil {
		return err
	}
	return errEventsClosed
}

// Next waits for the next input or the deadline. Inputs carry hardware
// timestamps, which can reach us after the wall clock has passed the
// deadline; so when the timer fires, inputs already delivered that happened
// before the deadline are still handed out first (R19).
func (w *wallTimeline) Next(ctx context.Context, deadline time.Duration) (hardware.Event, bool, error) {
	if p := w.pending; p != nil && p.At < deadline {
		w.pending = nil
		return *p, true, nil
	}
	var fire <-chan time.Time // nil: no deadline
	switch {
	case deadline == Forever:
	case w.sched != nil:
		t := w.sched.Timer(w.start.Add(deadline))
		defer t.Stop()
		fire = t.C
	default:
		w.timer.Reset(time.Until(w.start.Add(deadline)))
		defer w.timer.Stop()
		fire = w.timer.C
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
			if w.pending == nil {
				select {
				case ev, ok := <-w.events:
					if !ok {
						return hardware.Event{}, false, w.closed()
					}
					if ev.At < deadline {
						return ev, true, nil
					}
					w.pending = &ev
				default:
				}
			}
			return hardware.Event{}, false, nil
		}
	}
}
