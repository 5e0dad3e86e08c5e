package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
)

// ErrRecordStopped is a session's error once its record stopped: a batch
// with its writes could not be committed, so nothing after its last whole
// commit is recorded and the session ends there.
var ErrRecordStopped = errors.New("the session's record stopped at its last whole commit")

// A SessionLog records one session's events and attempts through the
// writer. It implements controller.Recorder.
type SessionLog struct {
	w           *Writer
	id          string
	params      protocols.Params
	nonBlocking bool
	timing      json.RawMessage
	stage       *StageChange // set before End, read by the writer at the end

	key     int64 // the row key; the writer's goroutine sets it
	refused bool  // the writer's goroutine: writes after a failed batch are not applied

	failure atomic.Pointer[error]
	live    atomic.Uint64 // the last event queued
	durable atomic.Pointer[Committed]
}

// Committed is how far a session's record is durable: the last attempt and
// event that a completed commit covers, and when that commit completed.
// Everything up to it survives a crash or a power cut.
type Committed struct {
	Attempt  int       `json:"attempt"`
	EventSeq uint64    `json:"event_seq"`
	At       time.Time `json:"at"`
}

// ID is the session's id.
func (l *SessionLog) ID() string { return l.id }

// NeverBlock makes the log refuse, rather than wait for room, what does
// not fit in the writer's queue. A session on real hardware uses it: a
// chamber whose events come faster than the disk takes them (a stuck beam
// chattering) must cost bounded memory and never delay a light. The first
// write refused stops the session's record there (Err), whole: nothing
// after it is queued, so the stored events have no gaps.
func (l *SessionLog) NeverBlock() { l.nonBlocking = true }

// Event queues one raw event.
func (l *SessionLog) Event(e Event) {
	if l.queue(op{kind: opEvent, ev: e}) {
		l.live.Store(e.Seq)
	}
}

// Attempt queues the latest state of one attempt.
func (l *SessionLog) Attempt(a protocols.Attempt) { l.queue(op{kind: opAttempt, att: a}) }

// Err reports that the session's record stopped (a batch that could not be
// committed, a full queue): the runner ends the session, which is then
// recorded as ending where its record stops.
func (l *SessionLog) Err() error {
	if p := l.failure.Load(); p != nil {
		return *p
	}
	return nil
}

func (l *SessionLog) fail(err error) {
	if l.failure.CompareAndSwap(nil, &err) {
		l.w.log.Error("session recording stopped; the session ends at its last whole commit", "session", l.id, "err", err)
	}
}

// Committed is how far the session's record is durable.
func (l *SessionLog) Committed() Committed {
	if c := l.durable.Load(); c != nil {
		return *c
	}
	return Committed{}
}

// QueuedEvent is the number of the last event queued: the live end of the
// record, which Committed follows at most a commit lag behind.
func (l *SessionLog) QueuedEvent() uint64 { return l.live.Load() }

// advance publishes a commit covering m (the writer's goroutine).
func (l *SessionLog) advance(m mark, at time.Time) {
	c := l.Committed()
	c.EventSeq, c.Attempt, c.At = max(c.EventSeq, m.seq), max(c.Attempt, m.attempt), at
	l.durable.Store(&c)
}

// SetStageChange sets the training stage change the session's end
// decided (an advance or fall-back), which End records in the same
// transaction as the end: a crash leaves both or neither. It is recorded
// only if the session ends as ended (not cut short where its record
// stopped) and the rat is still under the change the session ran under.
func (l *SessionLog) SetStageChange(c *StageChange) { l.stage = c }

// SetTiming sets the timing summary (JSON) that End records with the
// session.
func (l *SessionLog) SetTiming(summary json.RawMessage) { l.timing = summary }

// End records how the session ended and waits until it is durable. A
// session whose record stopped is recorded as aborted where it stops.
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
// which the writer commits at once.
func (l *SessionLog) end(at time.Duration, reason string, endedAt time.Time, fault error, wait bool) error {
	s := &SessionRecord{Ended: at, EndReason: reason, EndedAt: endedAt, Timing: l.timing}
	if fault != nil {
		s.Error = fault.Error()
	}
	o := op{kind: opEnd, log: l, sess: s, wait: wait}
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

// queue sends o to the writer; with NeverBlock, a full queue stops the
// record instead. Once the record has stopped nothing more is queued.
func (l *SessionLog) queue(o op) bool {
	if l.Err() != nil {
		return false
	}
	o.log = l
	if !l.nonBlocking {
		if err := l.w.send(o); err != nil {
			l.fail(err)
			return false
		}
		return true
	}
	ok, err := l.w.trySend(o)
	switch {
	case err != nil:
		l.fail(err)
	case !ok:
		l.fail(fmt.Errorf("%w (%d writes waiting): events came faster than the database took them", ErrQueueFull, cap(l.w.ops)))
	}
	return ok && err == nil
}
