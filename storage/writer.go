package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/fivechoice/fivechoice/protocols"
)

// This file is the writer's face: what callers queue and wait for. When a
// batch commits and what happens when it fails is in writer_loop.go, how
// each write is applied in writer_apply.go, what is known to be durable
// and how far commits lag in writer_health.go, the SQL in statements.go.

const (
	// DefaultCommitInterval bounds how long a queued event waits before its
	// commit begins, when the disk keeps up.
	DefaultCommitInterval = 100 * time.Millisecond
	// DefaultLagWarning is how far commits may lag behind the sessions
	// (the age of the oldest write not yet committed) before the daemon
	// warns that a power cut now would cost more than usual.
	DefaultLagWarning = 3 * time.Second
	// DefaultRetryFor is how long a batch that failed because another
	// process held the database's lock is retried before the sessions in
	// it end at their last whole commit.
	DefaultRetryFor = time.Minute
	// maxBatch caps a transaction's size so that a virtual-time flood
	// still commits regularly.
	maxBatch = 20000
)

var (
	// ErrWriterClosed is returned for writes after Close.
	ErrWriterClosed = errors.New("storage writer closed")
	// ErrCannotRecord is returned by BeginSession while the database
	// cannot be written (the last batch failed and nothing has been
	// committed since): a session started then could not be recorded.
	ErrCannotRecord = errors.New("the database cannot record")
	// ErrQueueFull ends a real-time session whose writes came faster than
	// the database took them until the writer's queue was full: its
	// record stops whole at its last queued write instead of having gaps.
	ErrQueueFull = errors.New("storage queue full")
	// ErrSubjectRunning refuses a second running session of one subject
	// (the database's one_running_session_per_subject index).
	ErrSubjectRunning = errors.New("the subject already has a running session")
)

// A Writer is the database's single writer. Sessions queue their events and
// attempts on it without waiting; one goroutine commits them in batches,
// at most one commit interval after they were queued while the disk keeps
// up. A batch that fails because the database is locked is retried whole;
// one that cannot be committed ends the sessions in it at their last whole
// commit, and the writer carries on with the others.
type Writer struct {
	path        string
	log         *slog.Logger
	interval    time.Duration
	queue       int
	retryFor    time.Duration
	busy        time.Duration // the connection's busy timeout
	lagWarning  time.Duration
	observe     func(d time.Duration, writes int, lag time.Duration)
	threadSetup func() error
	ops         chan op
	urgent      chan op // writes of their own (subjects) jump the queue
	done        chan struct{}
	closing     sync.Once
	mu          sync.RWMutex // guards sends against close
	closed      bool
	health      health
}

// BeginSession records a session as running and returns its log once the
// row is committed: a session the caller reports as started survives a
// crash at once, and an unknown subject or condition, or a subject that
// already runs elsewhere, is refused here.
func (w *Writer) BeginSession(s SessionRecord) (*SessionLog, error) { return w.beginSession(s, true) }

// BeginSessionQueued records a session as running and returns its log
// once the row is written, without waiting for its commit: for batches of
// simulated sessions, which then share commits.
func (w *Writer) BeginSessionQueued(s SessionRecord) (*SessionLog, error) {
	return w.beginSession(s, false)
}

func (w *Writer) beginSession(s SessionRecord, durable bool) (*SessionLog, error) {
	if s.ID == "" {
		s.ID = NewID()
	}
	if err := w.Err(); err != nil {
		return nil, fmt.Errorf("begin session %s: %w: %w", s.ID, ErrCannotRecord, err)
	}
	l := &SessionLog{w: w, id: s.ID, params: s.Params}
	r := w.call(op{kind: opBegin, log: l, sess: &s, wait: durable})
	if r.err != nil {
		return nil, fmt.Errorf("begin session %s: %w", s.ID, r.err)
	}
	return l, nil
}

// Flush waits until everything queued so far is committed.
func (w *Writer) Flush() error { return w.call(op{kind: opFlush, wait: true}).err }

// Close commits what is queued and stops the writer.
func (w *Writer) Close() error {
	w.closing.Do(func() {
		w.mu.Lock()
		w.closed = true
		close(w.ops)
		close(w.urgent)
		w.mu.Unlock()
	})
	<-w.done
	return w.Err()
}

// QueueLen is how many writes are waiting for the writer to take them.
func (w *Writer) QueueLen() int { return len(w.ops) + len(w.urgent) }

// An op is one queued write.
type op struct {
	kind   opKind
	log    *SessionLog // the session an event, attempt, begin or end is of
	ev     Event
	att    protocols.Attempt
	sess   *SessionRecord
	exec   func(*sqlite3.SQLiteConn) error // opExec
	queued int64                           // when it was queued (w.health's clock)
	wait   bool                            // the reply waits for the commit
	reply  chan result                     // nil: nobody waits
	key    int64                           // a begin's session key, kept for a retry
	err    error                           // the write's own failure, in a savepoint
}

type opKind uint8

const (
	opEvent opKind = iota
	opAttempt
	opBegin
	opEnd
	opExec // a write of its own (a subject, a condition), in a savepoint
	opFlush
	opTimer // not queued: what next returns when the commit timer fires
	opProbe // not queued either: the watchdog asks whether the database writes again
)

// result answers a write that someone waits for.
type result struct {
	err error
}

// send queues o, waiting for room in the queue.
func (w *Writer) send(o op) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrWriterClosed
	}
	o.queued = w.health.now()
	if o.kind == opExec {
		// A write of its own (a subject): it concerns no session, so it may
		// overtake the sessions' writes. A session's begin keeps its place,
		// after the end of the subject's previous session, which may still
		// be queued.
		w.urgent <- o
		return nil
	}
	w.ops <- o
	return nil
}

// trySend queues o if there is room.
func (w *Writer) trySend(o op) (bool, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return false, ErrWriterClosed
	}
	o.queued = w.health.now()
	select {
	case w.ops <- o:
		return true, nil
	default:
		return false, nil
	}
}

// call queues o and waits for its result.
func (w *Writer) call(o op) result {
	o.reply = make(chan result, 1)
	if err := w.send(o); err != nil {
		return result{err: err}
	}
	return <-o.reply
}

// Exec runs f on the writer's connection as one write of its own, in a
// savepoint of the writer's next transaction, and waits until it is
// committed. Every write of the daemon goes through the one writer, so no
// request ever meets "database is locked" from the writer's own batches.
// f's error is the caller's alone; the rest of the batch goes on.
func (w *Writer) Exec(f func(*sqlite3.SQLiteConn) error) error {
	return w.call(op{kind: opExec, exec: f, wait: true}).err
}
