package controller

import (
	"context"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller/timing"
	"github.com/fivechoice/fivechoice/hardware"
)

// lateChamber is a chamber whose inputs the test delivers by hand, as a
// serial board's reach the host some time after they happened.
type lateChamber struct{ events chan hardware.Event }

func (c *lateChamber) Begin() (time.Time, error)                        { return time.Now(), nil }
func (c *lateChamber) Events() <-chan hardware.Event                    { return c.events }
func (c *lateChamber) Set(hardware.Output, bool) (time.Duration, error) { return 0, nil }
func (c *lateChamber) Pulse(hardware.Output) (time.Duration, error)     { return 0, nil }
func (c *lateChamber) Halt() error                                      { return nil }
func (c *lateChamber) Err() error                                       { return nil }
func (c *lateChamber) Close() error                                     { return nil }

// TestInputLatency: an input that happened before a deadline but reaches
// the runner after the deadline's timer fired is taken before the expiry
// when it arrives within the input latency (R18, R19); an input stamped
// after the deadline ends the wait; with no input the expiry comes once
// the latency has passed, never before. Timers never fire early, so none
// of this depends on how fast the machine is.
func TestInputLatency(t *testing.T) {
	sched := timing.New()
	defer sched.Close()
	ctx := context.Background()
	const deadline = 20 * time.Millisecond
	for _, s := range []*timing.Scheduler{sched, nil} {
		name := "scheduler"
		if s == nil {
			name = "go timers"
		}
		t.Run(name+"/before the deadline, delivered late", func(t *testing.T) {
			ch := &lateChamber{events: make(chan hardware.Event, 4)}
			w := newWallTimeline(ch, time.Now(), s, 10*time.Second)
			go func() {
				time.Sleep(deadline + 30*time.Millisecond)
				ch.events <- hardware.Event{At: deadline - time.Millisecond, Input: hardware.Hole(3), Entry: true, Seq: 1}
			}()
			ev, ok, err := w.Next(ctx, deadline)
			if err != nil || !ok || ev.Seq != 1 {
				t.Fatalf("Next = %+v, %v, %v; want the input stamped before the deadline", ev, ok, err)
			}
		})
		t.Run(name+"/after the deadline ends the wait", func(t *testing.T) {
			ch := &lateChamber{events: make(chan hardware.Event, 4)}
			w := newWallTimeline(ch, time.Now(), s, time.Minute)
			go func() {
				time.Sleep(deadline + 10*time.Millisecond)
				ch.events <- hardware.Event{At: deadline + time.Millisecond, Input: hardware.Magazine, Entry: true, Seq: 1}
			}()
			began := time.Now()
			ev, ok, err := w.Next(ctx, deadline)
			if err != nil || ok {
				t.Fatalf("Next = %+v, %v, %v; want the expiry", ev, ok, err)
			}
			if waited := time.Since(began); waited > 30*time.Second {
				t.Errorf("waited %v: the input after the deadline did not end the wait", waited)
			}
			if ev, ok, err := w.Next(ctx, hardware.Forever); err != nil || !ok || ev.Seq != 1 {
				t.Errorf("then Next = %+v, %v, %v; want the held input", ev, ok, err)
			}
		})
		t.Run(name+"/no input: the expiry after the latency", func(t *testing.T) {
			ch := &lateChamber{events: make(chan hardware.Event, 4)}
			w := newWallTimeline(ch, time.Now(), s, 40*time.Millisecond)
			if _, ok, err := w.Next(ctx, deadline); ok || err != nil {
				t.Fatalf("Next = %v, %v; want the expiry", ok, err)
			}
			if now := w.Now(); now < deadline+40*time.Millisecond {
				t.Errorf("expired at %v, before the deadline plus the latency", now)
			}
		})
		t.Run(name+"/no latency: no wait", func(t *testing.T) {
			ch := &lateChamber{events: make(chan hardware.Event, 4)}
			w := newWallTimeline(ch, time.Now(), s, 0)
			if _, ok, err := w.Next(ctx, deadline); ok || err != nil {
				t.Fatalf("Next = %v, %v; want the expiry", ok, err)
			}
			// Delivered only now, it is processed late, after the expiry.
			ch.events <- hardware.Event{At: deadline - time.Millisecond, Input: hardware.Hole(1), Entry: true, Seq: 1}
			if ev, ok, err := w.Next(ctx, hardware.Forever); err != nil || !ok || ev.Seq != 1 {
				t.Errorf("then Next = %+v, %v, %v", ev, ok, err)
			}
		})
	}
}
