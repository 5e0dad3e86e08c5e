package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/fivechoice/fivechoice/protocols"
)

// This file is the writer's policy: what is queued, when a batch commits,
// what a caller waits for, and what happens when a write fails. Its options
// and start are in writer_options.go, the SQL it runs in statements.go, a
// session's side in sessionlog.go.

const (
	// DefaultCommitInterval bounds how long a queued event waits before it
	// is committed: at most this much data is lost when the power goes.
	DefaultCommitInterval = 100 * time.Millisecond
	// maxBatch caps a transaction's size so that a virtual-time flood
	// still commits regularly.
	maxBatch = 20000
)

var (
	// ErrWriterClosed is returned for writes after Close.
	ErrWriterClosed = errors.New("storage writer closed")
	// ErrCannotRecord is returned by BeginSession once a write has failed
	// (a full disk, an I/O error): a session started then could not be
	// recorded completely, so it is not started at all.
	ErrCannotRecord = errors.New("the database cannot record")
)

// A Writer is the database's single writer. Sessions queue their events and
// attempts on it without waiting; one goroutine commits them in batches, at
// most one commit interval after they were queued. Beginning a session
// waits until its row is written; ending one waits for a durable commit
// (unless queued, for batches of simulated sessions).
type Writer struct {
	log      *slog.Logger
	interval time.Duration
	queue    int
	observe  func(time.Duration, int)
	ops      chan op
	begins   chan op // session begins jump the queue: their callers wait
	done     chan struct{}
	closing  sync.Once
	mu       sync.RWMutex // guards sends against close
	closed   bool
	err      atomic.Pointer[error]
}

// BeginSession records a session as running and returns its log. It waits
// until the row is written (so an unknown subject or condition is refused
// here), not until it is committed: the row becomes durable with the
// session's first events, at most one commit interval later.
func (w *Writer) BeginSession(s SessionRecord) (*SessionLog, error) {
	if s.ID == "" {
		s.ID = NewID()
	}
	if err := w.Err(); err != nil {
		return nil, fmt.Errorf("begin session %s: %w since an earlier write failed: %w", s.ID, ErrCannotRecord, err)
	}
	r := w.call(op{kind: opBegin, sess: &s})
	if r.err != nil {
		return nil, fmt.Errorf("begin session %s: %w", s.ID, r.err)
	}
	return &SessionLog{w: w, id: s.ID, key: r.key}, nil
}

// Flush waits until everything queued so far is committed.
func (w *Writer) Flush() error { return w.call(op{kind: opFlush}).err }

// Close commits what is queued and stops the writer.
func (w *Writer) Close() error {
	w.closing.Do(func() {
		w.mu.Lock()
		w.closed = true
		close(w.ops)
		close(w.begins)
		w.mu.Unlock()
	})
	<-w.done
	return w.Err()
}

// Err returns the first write that failed, if any. Data queued around a
// failed commit is lost, so a runner seeing this ends its session.
func (w *Writer) Err() error {
	if p := w.err.Load(); p != nil {
		return *p
	}
	return nil
}

func (w *Writer) fail(err error) {
	if w.err.CompareAndSwap(nil, &err) {
		w.log.Error("storage write failed; sessions recording through this writer will end", "err", err)
	}
}

// QueueLen is how many writes are waiting.
func (w *Writer) QueueLen() int { return len(w.ops) }

// An op is one queued write.
type op struct {
	kind  opKind
	key   int64 // the session's row key
	ev    Event
	att   protocols.Attempt
	sess  *SessionRecord
	reply chan result // nil: nobody waits
}

type opKind uint8

const (
	opEvent opKind = iota
	opAttempt
	opBegin
	opEnd
	opFlush
	opTimer // not queued: what next returns when the commit timer fires
)

// result answers a write that someone waits for.
type result struct {
	key int64
	err error
}

// send queues o, waiting for room in the queue.
func (w *Writer) send(o op) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrWriterClosed
	}
	if o.kind == opBegin {
		// A begin concerns a session with nothing queued yet, so it may
		// overtake other sessions' writes; its caller is waiting for it.
		w.begins <- o
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

// loop is the writer goroutine: one transaction at a time, committed when
// the interval since its first write has passed, when it is large, or when
// someone waits for it.
func (w *Writer) loop(c *sqlite3.SQLiteConn, st *statements) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	b := &batch{w: w, c: c, st: st, rows: newPending(st)}
	begins := w.begins
	for {
		first, ok := w.next(&begins, nil)
		if !ok {
			return
		}
		b.begin()
		b.add(first)
		timer.Reset(w.interval)
		open := true
		for open && !b.due() {
			var o op
			if o, open = w.next(&begins, timer.C); !open {
				break
			}
			if o.kind == opTimer {
				b.expired = true
				continue
			}
			b.add(o)
		}
		timer.Stop()
		b.commit()
		if !open {
			return
		}
	}
}

// next returns the next write, a waiting begin first. With a timer it
// returns an opTimer op when the timer fires first. ok is false once the
// writer is closed and drained.
func (w *Writer) next(begins *chan op, timer <-chan time.Time) (op, bool) {
	if *begins != nil {
		select {
		case o, ok := <-*begins:
			if ok {
				return o, true
			}
			*begins = nil
		default:
		}
	}
	for {
		select {
		case o, ok := <-*begins:
			if !ok {
				*begins = nil
				continue
			}
			return o, true
		case o, ok := <-w.ops:
			if !ok {
				return op{}, false
			}
			return o, true
		case <-timer:
			return op{kind: opTimer}, true
		}
	}
}

// batch is one transaction of the writer.
type batch struct {
	w       *Writer
	c       *sqlite3.SQLiteConn
	st      *statements
	rows    *pending
	started time.Time
	err     error // the first failure: the transaction is rolled back
	writes  int
	replies []reply
	expired bool // the commit interval has passed
	urgent  bool // someone waits for the commit
}

// reply is a waiting caller and the result of its own write.
type reply struct {
	ch chan result
	r  result
}

func (b *batch) begin() {
	b.started = time.Now()
	b.err, b.writes, b.expired, b.urgent = nil, 0, false, false
	b.replies = b.replies[:0]
	if _, err := b.c.Exec("BEGIN IMMEDIATE", nil); err != nil {
		b.err = fmt.Errorf("begin transaction: %w", err)
	}
}

func (b *batch) due() bool { return b.expired || b.urgent || b.writes >= maxBatch }

func (b *batch) add(o op) {
	b.writes++
	if o.reply != nil {
		// A begin is answered at once; an end or a flush waits for the
		// commit, which then comes at once.
		var r result
		if b.err == nil && o.kind != opFlush {
			r = b.isolated(o)
		}
		if o.kind == opBegin {
			if r.err == nil {
				r.err = b.err
			}
			o.reply <- r
			return
		}
		b.urgent = true
		b.replies = append(b.replies, reply{o.reply, r})
		return
	}
	if b.err != nil {
		return
	}
	switch o.kind {
	case opEnd:
		if b.err = b.rows.flush(); b.err == nil {
			b.err = b.st.endSession(o.key, o.sess)
		}
	case opEvent:
		b.err = b.rows.event(o.key, o.ev)
	case opAttempt:
		b.rows.attempt(o.key, o.att)
	}
}

// isolated applies a write someone waits for inside a savepoint, so that
// its failure (an unknown subject, say) is that caller's error alone and
// does not lose the other sessions' writes in the same transaction.
func (b *batch) isolated(o op) result {
	if err := b.rows.flush(); err != nil {
		b.err = err
		return result{err: err}
	}
	if _, err := b.c.Exec(`SAVEPOINT one_write`, nil); err != nil {
		b.err = err
		return result{err: err}
	}
	var err error
	var key int64
	switch o.kind {
	case opBegin:
		key, err = b.st.beginSession(o.sess)
	case opEnd:
		err = b.st.endSession(o.key, o.sess)
	}
	if err != nil {
		if _, rerr := b.c.Exec(`ROLLBACK TO one_write`, nil); rerr != nil {
			b.err = rerr
		}
	}
	if _, rerr := b.c.Exec(`RELEASE one_write`, nil); rerr != nil && b.err == nil {
		b.err = rerr
	}
	return result{key: key, err: err}
}

// commit ends the transaction. If any write failed, it is rolled back: what
// it held is lost, the writer fails (BeginSession refuses from then on), and
// every caller waiting for this commit gets the error.
func (b *batch) commit() {
	if b.err == nil {
		b.err = b.rows.flush()
	}
	if b.err == nil {
		if _, err := b.c.Exec("COMMIT", nil); err != nil {
			b.err = fmt.Errorf("commit: %w", err)
		}
	}
	if b.err != nil {
		b.c.Exec("ROLLBACK", nil)
		b.rows.discard()
		b.w.fail(b.err)
	}
	if b.w.observe != nil {
		b.w.observe(time.Since(b.started), b.writes)
	}
	for _, r := range b.replies {
		if r.r.err == nil {
			r.r.err = b.err
		}
		r.ch <- r.r
	}
}
