package storage

import (
	"fmt"
	"sync/atomic"
	"time"
)

// This file is what the writer knows of its own health: how far commits
// lag behind the sessions, when the last one completed, and whether the
// database can be written at all. The daemon reports it (API, /healthz,
// metrics); sessions go on whatever it says, since the runner never waits
// on the disk.

// health is the writer's state as other goroutines read it. Times are
// nanoseconds since epoch plus one, so that zero means none.
type health struct {
	epoch   time.Time
	oldest  atomic.Int64 // when the oldest write taken but not yet committed was queued
	last    atomic.Int64 // when the last commit completed
	writes  atomic.Int64 // writes in the open transaction
	failing atomic.Pointer[error]
	probe   chan struct{} // asks the writer for an empty commit while failing
}

func (h *health) now() int64 { return int64(time.Since(h.epoch)) + 1 }

// pending notes a transaction's oldest write.
func (h *health) pending(oldest int64) { h.oldest.Store(oldest) }

// committed notes a completed commit and returns its lag: how long its
// oldest write waited to become durable. Only a commit that wrote
// something shows that the database writes again.
func (h *health) committed(oldest int64, wrote bool) time.Duration {
	n := h.now()
	h.last.Store(n)
	h.oldest.Store(0)
	if wrote {
		h.failing.Store(nil)
	}
	return time.Duration(n - oldest)
}

func (h *health) fail(err error) {
	h.failing.Store(&err)
	h.oldest.Store(0)
}

// WriterStatus is the writer's health as the daemon reports it.
type WriterStatus struct {
	// Lag is the age of the oldest write not yet committed (0 when none
	// waits): at most this much of each running session is lost if the
	// power goes now.
	Lag time.Duration
	// SinceCommit is the time since the last commit completed (since the
	// writer started if none has).
	SinceCommit time.Duration
	// Waiting is how many writes are queued or in the open transaction.
	Waiting int
	// LagWarning is the bound past which Lagging is set.
	LagWarning time.Duration
	Lagging    bool
	// Failing is why the last batch could not be committed, until a
	// commit succeeds again.
	Failing error
}

// Status returns the writer's health now.
func (w *Writer) Status() WriterStatus {
	h := &w.health
	n := h.now()
	s := WriterStatus{Waiting: w.QueueLen() + int(h.writes.Load()), LagWarning: w.lagWarning, Failing: w.Err()}
	if o := h.oldest.Load(); o != 0 {
		s.Lag = time.Duration(n - o)
	}
	s.SinceCommit = time.Duration(n - max(h.last.Load(), 1))
	s.Lagging = s.Lag > w.lagWarning
	return s
}

// Err is why the database cannot be written now: the last batch failed and
// nothing has been committed since. It clears itself with the next commit
// (the writer tries an empty one every second while failing).
func (w *Writer) Err() error {
	if p := w.health.failing.Load(); p != nil {
		return *p
	}
	return nil
}

// Degraded says why the writer is behind, or nil: commits lag more than
// the warning bound behind the sessions. Sessions go on; what a power cut
// would cost grows.
func (w *Writer) Degraded() error {
	if s := w.Status(); s.Lagging {
		return fmt.Errorf("storage commits lag %v behind the sessions (warning at %v, %d writes waiting): a power cut now would lose up to that much of each running session",
			s.Lag.Round(time.Millisecond), s.LagWarning, s.Waiting)
	}
	return nil
}

// watch logs when commits start and stop lagging, and asks for an empty
// commit every second while the writer is failing, so that it notices by
// itself when the database writes again.
func (w *Writer) watch() {
	tick := min(max(w.lagWarning/4, 10*time.Millisecond), 250*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	lagging := false
	var lastProbe time.Time
	for {
		select {
		case <-w.done:
			return
		case <-t.C:
		}
		s := w.Status()
		switch {
		case s.Lagging && !lagging:
			w.log.Warn("storage commits are falling behind; sessions go on, but a power cut now would lose more than usual",
				"lag", s.Lag.Round(time.Millisecond), "warning_at", s.LagWarning, "waiting", s.Waiting)
		case !s.Lagging && lagging:
			w.log.Info("storage commits caught up", "since_commit", s.SinceCommit.Round(time.Millisecond))
		}
		lagging = s.Lagging
		if s.Failing != nil && time.Since(lastProbe) >= time.Second {
			lastProbe = time.Now()
			select {
			case w.health.probe <- struct{}{}:
			default:
			}
		}
	}
}

// Stuck returns an error when writes have waited longer than bound
// without any commit completing and without the writer reporting a
// failure: a writer that is neither working nor failing is wedged (a
// failing one is alive, retrying and saying so). The daemon's watchdog
// asks it.
func (w *Writer) Stuck(bound time.Duration) error {
	s := w.Status()
	if s.Waiting > 0 && s.Failing == nil && s.SinceCommit > bound && s.Lag > bound {
		return fmt.Errorf("storage writer: %d writes waiting, no commit for %v and no error", s.Waiting, s.SinceCommit.Round(time.Second))
	}
	return nil
}
