//go:build !linux

package timing

import (
	"errors"
	"sync/atomic"
	"time"
)

// wakerSys elsewhere than Linux sleeps on a Go timer: correct, but with the
// Go runtime's millisecond steps.
type wakerSys struct {
	t0 time.Time
	ch chan struct{}
}

func (w *wakerSys) init(t0 time.Time) { w.t0, w.ch = t0, make(chan struct{}, 1) }

func (w *wakerSys) wait(word *atomic.Uint32, gen uint32, deadline int64) {
	if word.Load() != gen {
		return
	}
	t := time.NewTimer(time.Until(w.t0.Add(time.Duration(deadline))))
	defer t.Stop()
	select {
	case <-w.ch:
	case <-t.C:
	}
}

func (w *wakerSys) wake(*atomic.Uint32) {
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

func setTimerSlack() error { return nil }

// SetRealtimePriority is only supported on Linux.
func SetRealtimePriority(p int) (string, error) {
	if p > 0 {
		return "normal", errors.New("timing: real-time priority is only supported on Linux")
	}
	return "normal", nil
}

// Policy names the calling thread's scheduling policy.
func Policy() string { return "normal" }

// LeaveRealtime does nothing where real-time priority is not supported.
func LeaveRealtime() error { return nil }
