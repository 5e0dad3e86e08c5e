package sim

import (
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// An action is one thing a subject will do: an entry or a release at a
// session time.
type action struct {
	at    time.Duration
	order uint64 // insertion order: equal times happen in the order scheduled (R20)
	id    ActionID
	input hardware.Input
	entry bool
	dead  bool // canceled
}

// queue is a binary min-heap of actions by (at, order). It is written out
// rather than built on container/heap to keep the virtual-time hot path free
// of interface calls and allocations.
type queue []action

func (q queue) less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].order < q[j].order
}

func (q *queue) push(a action) {
	*q = append(*q, a)
	h := *q
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *queue) pop() action {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.less(l, m) {
			m = l
		}
		if r < n && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}
