package controller

import "sync"

// changes wakes whoever waits for the next change of any chamber's live
// state: the control-room page's stream waits on it instead of polling
// every chamber (issue 13). A change closes the current channel; the next
// waiter gets a fresh one. Nobody waiting costs a change only a lock.
type changes struct {
	mu sync.Mutex
	ch chan struct{}
}

func (c *changes) notify() {
	c.mu.Lock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
	c.mu.Unlock()
}

func (c *changes) wait() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// Changed returns a channel that is closed at the next change of any
// chamber's live state: a session's step, start or end, a fault found or
// cleared. Read Chambers after it closes, then ask again.
func (s *Supervisor) Changed() <-chan struct{} { return s.changes.wait() }
