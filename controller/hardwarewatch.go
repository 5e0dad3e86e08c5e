package controller

import (
	"context"
	"fmt"
	"time"
)

// CheckHardware runs every idle chamber's hardware check once and marks
// the chambers whose hardware is missing as faulted, or clears the fault
// of those that are back; it logs each change. The daemon calls it at
// start-up, before serving, and then WatchHardware keeps at it.
func (s *Supervisor) CheckHardware() {
	s.mu.Lock()
	var idle []*box
	for _, b := range s.boxes {
		if b.run == nil && !b.Disabled && b.Check != nil {
			idle = append(idle, b)
		}
	}
	s.mu.Unlock()
	for _, b := range idle {
		s.checkBox(b)
	}
}

// checkBox checks one chamber's hardware and marks it faulted, or ready
// again, saying so once when that changes.
func (s *Supervisor) checkBox(b *box) {
	err := b.Check() // without the lock: a check may touch a device
	s.mu.Lock()
	was := b.fault
	if err != nil {
		b.fault = err.Error()
	} else {
		b.fault = ""
	}
	now := b.fault
	s.mu.Unlock()
	if now != was {
		s.changes.notify()
	}
	switch {
	case now != "" && was == "":
		s.log.Error("chamber faulted: its hardware is missing; the other chambers run on, and it is checked again", "chamber", b.Name, "err", err)
	case now == "" && was != "":
		s.log.Info("chamber hardware is back; the chamber is ready", "chamber", b.Name)
	}
}

// WatchHardware checks the idle chambers' hardware every interval until
// ctx ends, so that a board plugged back in makes its chamber ready
// without a restart.
func (s *Supervisor) WatchHardware(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.CheckHardware()
		}
	}
}

// Wedged returns an error naming a running session whose runner has not
// carried out its next deadline within grace of when it was due: a
// runner stuck in a driver call or a deadlock. The daemon stops feeding
// systemd's watchdog then, so that the service is restarted (and its
// outputs switched off by ExecStopPost) rather than left with a chamber
// frozen in whatever state it was. Real-time deadlines are due at the gap
// after the last step; a faster-paced simulated one sooner, so this errs
// on the side of patience.
func (s *Supervisor) Wedged(grace time.Duration) error {
	s.mu.Lock()
	var runs []*running
	for _, b := range s.boxes {
		if b.run != nil {
			runs = append(runs, b.run)
		}
	}
	s.mu.Unlock()
	now := time.Now()
	for _, r := range runs {
		r.mu.Lock()
		stepped, gap := r.stepped, r.gap
		r.mu.Unlock()
		if stepped.IsZero() || gap < 0 {
			continue // not begun yet, or nothing due
		}
		if late := now.Sub(stepped.Add(gap)); late > grace {
			return fmt.Errorf("session %s on chamber %s: its next step was due %v ago and has not happened", r.id, r.plan.Chamber, late.Round(time.Second))
		}
	}
	return nil
}
