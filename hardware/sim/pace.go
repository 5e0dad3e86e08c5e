package sim

import (
	"context"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// A Paced timeline runs a virtual-time chamber against the wall clock, speed times
// faster: each input and each deadline is handed out when the wall clock
// reaches its session time divided by speed. The runner sees virtual time
// (so outputs happen exactly at their deadlines and timer lateness is
// zero), while a person watching the API or the dashboard sees a session
// unfold speed times faster than it would in a real chamber. That is what
// --sim-speed is for: demonstrations and tests of the daemon, not of the
// timing.
type Paced struct {
	tl    *Chamber
	speed float64
	start time.Time // the wall-clock instant of session time zero
	timer *time.Timer
}

// NewPaced paces the virtual chamber c speed times faster than the wall
// clock. It is the timeline of a session on c; c stays its chamber.
func NewPaced(c *Chamber, speed float64) *Paced {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Paced{tl: c, speed: speed, timer: t}
}

// wall is the wall-clock instant of session time d.
func (p *Paced) wall(d time.Duration) time.Time {
	return p.start.Add(time.Duration(float64(d) / p.speed))
}

// Now is the session time the wall clock has reached, never ahead of the
// virtual timeline (which runs ahead to the next input or deadline while
// the pacer waits for it): a session stopped while waiting ends at the
// moment it was stopped.
func (p *Paced) Now() time.Duration {
	v := p.tl.Now()
	if p.start.IsZero() {
		return v
	}
	return min(v, time.Duration(float64(time.Since(p.start))*p.speed))
}

// Next takes the next input or the deadline from the virtual timeline and
// waits until the wall clock reaches it.
func (p *Paced) Next(ctx context.Context, deadline time.Duration) (hardware.Event, bool, error) {
	// A session whose steps all fall behind the wall clock never waits
	// below, so a stop is looked for here first: else it would go
	// unnoticed until the session ended by itself (issue 12).
	if err := ctx.Err(); err != nil {
		return hardware.Event{}, false, err
	}
	if p.start.IsZero() {
		p.start = time.Now()
	}
	ev, ok, err := p.tl.Next(ctx, deadline)
	if err != nil {
		return ev, ok, err
	}
	at := deadline
	if ok {
		at = ev.At
	}
	var fire <-chan time.Time // nil: no deadline, nothing will come
	if at != hardware.Forever {
		wait := time.Until(p.wall(at))
		if wait <= 0 {
			return ev, ok, nil
		}
		p.timer.Reset(wait)
		defer p.timer.Stop()
		fire = p.timer.C
	}
	select {
	case <-ctx.Done():
		return hardware.Event{}, false, ctx.Err()
	case <-fire:
		return ev, ok, nil
	}
}
