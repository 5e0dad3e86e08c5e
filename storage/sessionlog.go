package storage

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
)

// A SessionLog records one session's events and attempts through the
// writer. It implements controller.Recorder.
type SessionLog struct {
	w           *Writer
	id          string
	key         int64
	nonBlocking bool
	dropped     atomic.Int64
	timing      json.RawMessage
}

// ID is the session's id.
func (l *SessionLog) ID() string { return l.id }

// NeverBlock makes the log drop, and count, what does not fit in the
// writer's queue instead of waiting for room. A session on real hardware
// uses it: a chamber whose events come faster than the disk takes them (a
// stuck beam chattering) must cost bounded memory and never delay a light.
func (l *SessionLog) NeverBlock() { l.nonBlocking = true }

// Dropped is how many events and attempt updates did not fit in the queue.
func (l *SessionLog) Dropped() int64 { return l.dropped.Load() }

// Event queues one raw event.
func (l *SessionLog) Event(e Event) { l.queue(op{kind: opEvent, key: l.key, ev: e}) }

// Attempt queues the latest state of one attempt.
func (l *SessionLog) Attempt(a protocols.Attempt) { l.queue(op{kind: opAttempt, key: l.key, att: a}) }

// Err reports a failed write: the session's record is no longer complete.
func (l *SessionLog) Err() error { return l.w.Err() }

// SetTiming sets the timing summary (JSON) that End records with the
// session.
func (l *SessionLog) SetTiming(summary json.RawMessage) { l.timing = summary }

// End records how the session ended and waits until it is durable.
func (l *SessionLog) End(at time.Duration, reason string, endedAt time.Time, fault error) error {
	return l.end(at, reason, endedAt, fault, true)
}

// EndQueued records how the session ended without waiting for the commit:
// for batches of simulated sessions, where consecutive sessions then share
// commits. The end is durable after the writer's next commit; Flush waits
// for it.
func (l *SessionLog) EndQueued(at time.Duration, reason string, endedAt time.Time, fault error) error {
	return l.end(at, reason, endedAt, fault, false)
}

// end queues the session's end; wait makes it a write someone waits for,
// which the writer isolates in a savepoint and commits at once.
func (l *SessionLog) end(at time.Duration, reason string, endedAt time.Time, fault error, wait bool) error {
	s := &SessionRecord{Ended: at, EndReason: reason, EndedAt: endedAt, Timing: l.timing}
	if fault != nil {
		s.Error = fault.Error()
	}
	o := op{kind: opEnd, key: l.key, sess: s}
	var err error
	if wait {
		err = l.w.call(o).err
	} else {
		err = l.w.send(o)
	}
	if err != nil {
		return fmt.Errorf("end session %s: %w", l.id, err)
	}
	return nil
}

// queue sends o to the writer, or with NeverBlock drops it if the queue is
// full. A write that cannot be queued at all fails the writer.
func (l *SessionLog) queue(o op) {
	if !l.nonBlocking {
		if err := l.w.send(o); err != nil {
			l.w.fail(err)
		}
		return
	}
	ok, err := l.w.trySend(o)
	switch {
	case err != nil:
		l.w.fail(err)
	case !ok:
		if l.dropped.Add(1) == 1 {
			l.w.log.Warn("storage queue full: dropping this session's events", "session", l.id, "queue", cap(l.w.ops))
		}
	}
}
