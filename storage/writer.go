package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/fivechoice/fivechoice/protocols"
)

// DefaultCommitInterval bounds how long a queued event waits before it is
// committed: at most this much data is lost when the power goes.
const DefaultCommitInterval = 100 * time.Millisecond

// maxBatch caps a transaction's size so that a virtual-time flood still
// commits regularly.
const maxBatch = 20000

// ErrWriterClosed is returned for writes after Close.
var ErrWriterClosed = errors.New("storage writer closed")

type opKind uint8

const (
	opEvent opKind = iota
	opAttempt
	opBegin
	opEnd
	opFlush
)

type op struct {
	kind    opKind
	session string
	ev      Event
	att     protocols.Attempt
	sess    *Session
	reply   chan error
}

// WriterOption configures a Writer.
type WriterOption func(*Writer)

// WithCommitInterval sets the group-commit interval.
func WithCommitInterval(d time.Duration) WriterOption { return func(w *Writer) { w.interval = d } }

// WithLogger sets the writer's logger.
func WithLogger(l *slog.Logger) WriterOption { return func(w *Writer) { w.log = l } }

// WithQueue sets how many writes may wait in the queue.
func WithQueue(n int) WriterOption { return func(w *Writer) { w.queue = n } }

// WithCommitObserver is called after every commit with its duration and
// the number of writes it held (for the daemon's metrics).
func WithCommitObserver(f func(d time.Duration, writes int)) WriterOption {
	return func(w *Writer) { w.observe = f }
}

// A Writer is the database's single writer. Sessions queue their events and
// attempts on it without waiting; it commits them in batches, at most one
// commit interval after they were queued. Beginning and ending a session
// wait for a durable commit.
type Writer struct {
	db       *sql.DB
	log      *slog.Logger
	interval time.Duration
	queue    int
	observe  func(time.Duration, int)
	ops      chan op
	done     chan struct{}
	closing  sync.Once
	mu       sync.RWMutex // guards sends against close
	closed   bool
	err      atomic.Pointer[error]

	stmtEvent, stmtAttempt, stmtBegin, stmtEnd *sql.Stmt
}

// NewWriter starts the single writer of d.
func (d *DB) NewWriter(opts ...WriterOption) (*Writer, error) {
	w := &Writer{log: slog.Default(), interval: DefaultCommitInterval, queue: 1 << 16, done: make(chan struct{})}
	for _, o := range opts {
		o(w)
	}
	db, err := sql.Open("sqlite3", dsn(d.path))
	if err != nil {
		return nil, fmt.Errorf("writer: %w", err)
	}
	db.SetMaxOpenConns(1)
	if d.path == ":memory:" {
		db.Close()
		db = d.db // one shared in-memory database
	}
	w.db = db
	if err := w.prepare(); err != nil {
		db.Close()
		return nil, fmt.Errorf("writer: %w", err)
	}
	w.ops = make(chan op, w.queue)
	go w.loop()
	return w, nil
}

func (w *Writer) prepare() error {
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = w.db.Prepare(q)
		return s
	}
	w.stmtEvent = prep(`INSERT INTO events (session_id, seq, t_ns, kind, channel, value, hw_seq, class, attempt, due_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	w.stmtAttempt = prep(`INSERT INTO attempts (session_id, n, outcome, target, iti_ns, sd_ns, iti_start_ns, onset_ns, response_hole, response_ns, collection_ns, first_premature_ns, premature, perseverative, timeout_responses)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id, n) DO UPDATE SET outcome = excluded.outcome, target = excluded.target, iti_ns = excluded.iti_ns, sd_ns = excluded.sd_ns,
		iti_start_ns = excluded.iti_start_ns, onset_ns = excluded.onset_ns, response_hole = excluded.response_hole, response_ns = excluded.response_ns,
		collection_ns = excluded.collection_ns, first_premature_ns = excluded.first_premature_ns, premature = excluded.premature,
		perseverative = excluded.perseverative, timeout_responses = excluded.timeout_responses`)
	w.stmtBegin = prep(`INSERT INTO sessions (id, subject_id, condition_id, chamber, backend, protocol, params, seed, software_version, host, started_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')`)
	w.stmtEnd = prep(`UPDATE sessions SET status = 'ended', ended_at = ?, ended_ns = ?, end_reason = ?, error = NULLIF(?, '') WHERE id = ?`)
	return err
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

func (w *Writer) send(o op) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrWriterClosed
	}
	w.ops <- o
	return nil
}

func (w *Writer) call(o op) error {
	o.reply = make(chan error, 1)
	if err := w.send(o); err != nil {
		return err
	}
	return <-o.reply
}

// NewID returns a new globally unique session id (a UUIDv7: time-ordered,
// so ids sort by start even across hosts).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// BeginSession records a session as running and returns its log; it waits
// until the row is durable. The subject and condition must exist.
func (w *Writer) BeginSession(s Session) (*SessionLog, error) {
	if s.ID == "" {
		s.ID = NewID()
	}
	if err := w.call(op{kind: opBegin, session: s.ID, sess: &s}); err != nil {
		return nil, fmt.Errorf("begin session: %w", err)
	}
	return &SessionLog{w: w, id: s.ID}, nil
}

// Flush waits until everything queued so far is committed.
func (w *Writer) Flush() error { return w.call(op{kind: opFlush}) }

// Close commits what is queued and stops the writer.
func (w *Writer) Close() error {
	w.closing.Do(func() {
		w.mu.Lock()
		w.closed = true
		close(w.ops)
		w.mu.Unlock()
	})
	<-w.done
	return w.Err()
}

// A SessionLog records one session's events and attempts through the
// writer. It implements controller.Recorder.
type SessionLog struct {
	w  *Writer
	id string
}

// ID is the session's id.
func (l *SessionLog) ID() string { return l.id }

// Event queues one raw event.
func (l *SessionLog) Event(e Event) {
	if err := l.w.send(op{kind: opEvent, session: l.id, ev: e}); err != nil {
		l.w.fail(err)
	}
}

// Attempt queues the latest state of one attempt.
func (l *SessionLog) Attempt(a protocols.Attempt) {
	if err := l.w.send(op{kind: opAttempt, session: l.id, att: a}); err != nil {
		l.w.fail(err)
	}
}

// Err reports a failed write: the session's record is no longer complete.
func (l *SessionLog) Err() error { return l.w.Err() }

// End records how the session ended and waits until it is durable.
func (l *SessionLog) End(at time.Duration, reason string, endedAt time.Time, fault error) error {
	s := &Session{Ended: at, EndReason: reason, EndedAt: endedAt}
	if fault != nil {
		s.Error = fault.Error()
	}
	if err := l.w.call(op{kind: opEnd, session: l.id, sess: s}); err != nil {
		return fmt.Errorf("end session %s: %w", l.id, err)
	}
	return nil
}

type attemptKey struct {
	session string
	n       int
}

// loop is the writer goroutine: one transaction at a time, committed when
// the interval since its first write has passed, when it is large, or when
// someone waits for it.
func (w *Writer) loop() {
	defer close(w.done)
	defer w.db.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		first, ok := <-w.ops
		if !ok {
			return
		}
		b := &batch{w: w, attempts: map[attemptKey]protocols.Attempt{}}
		b.begin()
		b.add(first)
		timer.Reset(w.interval)
		open := true
		for open && !b.due() {
			select {
			case o, ok := <-w.ops:
				if !ok {
					open = false
					break
				}
				b.add(o)
			case <-timer.C:
				b.expired = true
			}
		}
		timer.Stop()
		b.commit()
		if !open {
			return
		}
	}
}

// batch is one transaction of the writer.
type batch struct {
	w        *Writer
	tx       *sql.Tx
	started  time.Time
	err      error
	writes   int
	attempts map[attemptKey]protocols.Attempt
	order    []attemptKey
	replies  []reply
	expired  bool
	urgent   bool
}

func (b *batch) begin() {
	b.started = time.Now()
	b.tx, b.err = b.w.db.BeginTx(context.Background(), nil)
	if b.err != nil {
		b.err = fmt.Errorf("begin transaction: %w", b.err)
	}
}

func (b *batch) due() bool { return b.expired || b.urgent || b.writes >= maxBatch }

// reply is a waiting caller and the error of its own write.
type reply struct {
	ch  chan error
	err error
}

func (b *batch) add(o op) {
	b.writes++
	if o.reply != nil {
		b.urgent = true
		var err error
		if b.err == nil && o.kind != opFlush {
			err = b.isolated(o)
		}
		b.replies = append(b.replies, reply{o.reply, err})
		return
	}
	if b.err != nil {
		return
	}
	var err error
	switch o.kind {
	case opEvent:
		err = b.event(o.session, o.ev)
	case opAttempt:
		k := attemptKey{o.session, o.att.N}
		if _, ok := b.attempts[k]; !ok {
			b.order = append(b.order, k)
		}
		b.attempts[k] = o.att
	}
	if err != nil {
		b.err = fmt.Errorf("session %s: %w", o.session, err)
	}
}

// isolated applies a write someone waits for inside a savepoint, so that
// its failure (an unknown subject, say) is that caller's error alone and
// does not lose the other sessions' writes in the same transaction.
func (b *batch) isolated(o op) error {
	if err := b.flushAttempts(); err != nil {
		b.err = err
		return err
	}
	if _, err := b.tx.Exec(`SAVEPOINT one_write`); err != nil {
		b.err = err
		return err
	}
	var err error
	switch o.kind {
	case opBegin:
		err = b.beginSession(o.sess)
	case opEnd:
		s := o.sess
		var res sql.Result
		res, err = b.tx.Stmt(b.w.stmtEnd).Exec(s.EndedAt.UTC().Format(time.RFC3339Nano), int64(s.Ended), s.EndReason, s.Error, o.session)
		if n, _ := rowsAffected(res); err == nil && n == 0 {
			err = fmt.Errorf("session %s: %w", o.session, ErrNotFound)
		}
	}
	if err != nil {
		if _, rerr := b.tx.Exec(`ROLLBACK TO one_write`); rerr != nil {
			b.err = rerr
		}
	}
	if _, rerr := b.tx.Exec(`RELEASE one_write`); rerr != nil && b.err == nil {
		b.err = rerr
	}
	return err
}

func rowsAffected(r sql.Result) (int64, error) {
	if r == nil {
		return 0, nil
	}
	return r.RowsAffected()
}

func (b *batch) event(session string, e Event) error {
	var err error
	if e.IsInput() {
		value := 0
		if e.Entry {
			value = 1
		}
		var attempt any
		if e.Attempt > 0 {
			attempt = e.Attempt
		}
		_, err = b.tx.Stmt(b.w.stmtEvent).Exec(session, int64(e.Seq), int64(e.At), "input", e.Input.String(), value, int64(e.HWSeq), e.Class.String(), attempt, nil)
	} else {
		value := 0
		if e.On {
			value = 1
		}
		_, err = b.tx.Stmt(b.w.stmtEvent).Exec(session, int64(e.Seq), int64(e.At), "output", e.Output.String(), value, nil, nil, nil, int64(e.Due))
	}
	if err != nil {
		return fmt.Errorf("event %d: %w", e.Seq, err)
	}
	return nil
}

func (b *batch) beginSession(s *Session) error {
	_, err := b.tx.Stmt(b.w.stmtBegin).Exec(s.ID, s.Subject, s.Condition, s.Chamber, s.Backend, s.Protocol, string(s.Params.JSON()),
		int64(s.Seed), s.Version, s.Host, s.StartedAt.UTC().Format(time.RFC3339Nano))
	return err
}

func nullDur(d time.Duration) any {
	if d == protocols.None {
		return nil
	}
	return int64(d)
}

func (b *batch) flushAttempts() error {
	st := b.tx.Stmt(b.w.stmtAttempt)
	for _, k := range b.order {
		a := b.attempts[k]
		var hole any
		if a.ResponseHole != 0 {
			hole = a.ResponseHole
		}
		if _, err := st.Exec(k.session, a.N, a.Outcome.String(), a.Target, int64(a.ITI), int64(a.SD), int64(a.ITIStart), nullDur(a.Onset), hole,
			nullDur(a.Response), nullDur(a.Collection), nullDur(a.FirstPremature), a.Premature, a.Perseverative, a.TimeoutResponses); err != nil {
			return fmt.Errorf("attempt %d: %w", a.N, err)
		}
	}
	clear(b.attempts)
	b.order = b.order[:0]
	return nil
}

func (b *batch) commit() {
	if b.err == nil {
		b.err = b.flushAttempts()
	}
	if b.err == nil {
		if err := b.tx.Commit(); err != nil {
			b.err = fmt.Errorf("commit: %w", err)
		}
	} else if b.tx != nil {
		b.tx.Rollback()
	}
	if b.err != nil {
		b.w.fail(b.err)
	}
	if b.w.observe != nil {
		b.w.observe(time.Since(b.started), b.writes)
	}
	for _, r := range b.replies {
		if r.err != nil {
			r.ch <- r.err
		} else {
			r.ch <- b.err
		}
	}
}
