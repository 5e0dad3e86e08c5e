package controller

import (
	"context"
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
		switch {
		case now != "" && was == "":
			s.log.Error("chamber faulted: its hardware is missing; the other chambers run on, and it is checked again", "chamber", b.Name, "err", err)
		case now == "" && was != "":
			s.log.Info("chamber hardware is back; the chamber is ready", "chamber", b.Name)
		}
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
