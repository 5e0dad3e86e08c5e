package controller

import (
	"time"

	"github.com/fivechoice/fivechoice/protocols"
)

// inputWatch is the observer the supervisor puts in front of a session's
// metrics observer: it notes the wall-clock time of the session's latest
// input, so that the live view (and the metrics, and an alert) can tell a
// rat that has stopped responding from one that is working. It is told of
// every input edge that belongs to an attempt, entries and releases alike.
type inputWatch struct {
	next Observer // nil: no metrics
	r    *running
}

// watchInputs returns the observer to give the runner: next, with the
// running session's last-input time kept up to date.
func (r *running) watchInputs(next Observer) Observer { return &inputWatch{next: next, r: r} }

func (w *inputWatch) Input(class protocols.Class, latency time.Duration) {
	now := time.Now()
	w.r.mu.Lock()
	w.r.lastInput = now
	w.r.mu.Unlock()
	if w.next != nil {
		w.next.Input(class, latency)
	}
}

func (w *inputWatch) Outcome(a protocols.Attempt) {
	if w.next != nil {
		w.next.Outcome(a)
	}
}

func (w *inputWatch) Transition(kind string, lateness time.Duration) {
	if w.next != nil {
		w.next.Transition(kind, lateness)
	}
}

func (w *inputWatch) LostInputs(n uint64) {
	if w.next != nil {
		w.next.LostInputs(n)
	}
}
