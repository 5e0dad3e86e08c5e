package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/mattn/go-sqlite3"

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

// ErrCannotRecord is returned by BeginSession once a write has failed (a
// full disk, an I/O error): a session started then could not be recorded
// completely, so it is not started at all.
var ErrCannotRecord = errors.New("the database cannot record")

type opKind uint8

const (
	opEvent opKind = iota
	opAttempt
	opBegin
	opEnd
	opFlush
)

type op struct {
	kind  opKind
	key   int64 // the session's row key
	ev    Event
	att   protocols.Attempt
	sess  *Session
	reply chan result
}

// result answers a write that someone waits for.
type result struct {
	key int64
	err error
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
// commit interval after they were queued. Ending a session waits for a
// durable commit.
//
// The writer talks to SQLite through the driver connection itself rather
// than database/sql: a 100-trial session is about ten thousand bound values,
// and the generic argument conversion per value was most of the cost of
// storing a session.
type Writer struct {
	db       *sql.DB
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

// NewWriter starts the single writer of d.
func (d *DB) NewWriter(opts ...WriterOption) (*Writer, error) {
	if d.path == ":memory:" {
		return nil, errors.New("writer: an in-memory database has no second connection; use a file")
	}
	w := &Writer{log: slog.Default(), interval: DefaultCommitInterval, queue: 1 << 16, done: make(chan struct{})}
	for _, o := range opts {
		o(w)
	}
	db, err := sql.Open("sqlite3", dsn(d.path))
	if err != nil {
		return nil, fmt.Errorf("writer: %w", err)
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("writer: %w", err)
	}
	w.db = db
	w.ops = make(chan op, w.queue)
	w.begins = make(chan op, 64)
	ready := make(chan error, 1)
	go func() {
		defer close(w.done)
		defer db.Close()
		defer conn.Close()
		err := conn.Raw(func(dc any) error {
			c, ok := dc.(*sqlite3.SQLiteConn)
			if !ok {
				return fmt.Errorf("unexpected driver connection %T", dc)
			}
			st, err := prepare(c)
			if err != nil {
				return err
			}
			defer st.close()
			ready <- nil
			w.loop(c, st)
			return nil
		})
		if err != nil {
			ready <- fmt.Errorf("writer: %w", err)
		}
	}()
	if err := <-ready; err != nil {
		<-w.done
		return nil, err
	}
	return w, nil
}

// eventsPerInsert is how many events one multi-row INSERT carries.
const eventsPerInsert = 64

// statements are the writer's prepared statements. Input and output events
// have their own INSERTs so that the columns that do not apply are literal
// NULLs instead of bound values.
type statements struct {
	inputs, outputs, input, output driver.Stmt
	attempts, attempt, begin, end  driver.Stmt
}

const (
	inputCols   = 8
	outputCols  = 6
	attemptCols = 15
	// attemptsPerInsert is how many attempts one multi-row upsert carries.
	attemptsPerInsert = 16
)

func prepare(c *sqlite3.SQLiteConn) (*statements, error) {
	var err error
	prep := func(q string) driver.Stmt {
		if err != nil {
			return nil
		}
		var s driver.Stmt
		if s, err = c.Prepare(q); err != nil {
			err = fmt.Errorf("prepare %.40s...: %w", q, err)
		}
		return s
	}
	rows := func(n, cols int, row string) string {
		return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	}
	// The session key is ?1, bound once per statement: a group holds one
	// session's events.
	in := `INSERT INTO events (session, seq, t_ns, kind, channel, value, hw_seq, class, attempt, due_ns) VALUES `
	inRow := "(?1, ?, ?, 'input', ?, ?, ?, ?, ?, NULL)"
	outRow := "(?1, ?, ?, 'output', ?, ?, NULL, NULL, NULL, ?)"
	st := &statements{
		inputs:   prep(in + rows(eventsPerInsert, inputCols, inRow)),
		outputs:  prep(in + rows(eventsPerInsert, outputCols, outRow)),
		input:    prep(in + inRow),
		output:   prep(in + outRow),
		attempts: prep(upsertAttempts(attemptsPerInsert)),
		attempt:  prep(upsertAttempts(1)),
		begin: prep(`INSERT INTO sessions (id, subject_id, condition_id, chamber, backend, protocol, params, seed, software_version, host, started_at, status, study, study_day, injected_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`),
		end: prep(`UPDATE sessions SET status = 'ended', ended_at = ?, ended_ns = ?, end_reason = ?, error = NULLIF(?, ''), timing = ? WHERE key = ?`),
	}
	if err != nil {
		st.close()
		return nil, err
	}
	return st, nil
}

func upsertAttempts(n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", attemptCols), ", ") + ")"
	return `INSERT INTO attempts (session, n, outcome, target, iti_ns, sd_ns, iti_start_ns, onset_ns, response_hole, response_ns, collection_ns, first_premature_ns, premature, perseverative, timeout_responses)
		VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + `
		ON CONFLICT (session, n) DO UPDATE SET outcome = excluded.outcome, target = excluded.target, iti_ns = excluded.iti_ns, sd_ns = excluded.sd_ns,
		iti_start_ns = excluded.iti_start_ns, onset_ns = excluded.onset_ns, response_hole = excluded.response_hole, response_ns = excluded.response_ns,
		collection_ns = excluded.collection_ns, first_premature_ns = excluded.first_premature_ns, premature = excluded.premature,
		perseverative = excluded.perseverative, timeout_responses = excluded.timeout_responses`
}

func (st *statements) close() {
	for _, s := range []driver.Stmt{st.inputs, st.outputs, st.input, st.output, st.attempts, st.attempt, st.begin, st.end} {
		if s != nil {
			s.Close()
		}
	}
}

// exec runs a prepared statement with positional arguments.
func exec(s driver.Stmt, args []driver.NamedValue) (driver.Result, error) {
	return s.(driver.StmtExecContext).ExecContext(context.Background(), args)
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

func (w *Writer) call(o op) result {
	o.reply = make(chan result, 1)
	if err := w.send(o); err != nil {
		return result{err: err}
	}
	return <-o.reply
}

// NewID returns a new globally unique session id (a UUIDv7: time-ordered,
// so ids sort by start even across hosts).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// BeginSession records a session as running and returns its log. It waits
// until the row is written (so an unknown subject or condition is refused
// here), not until it is committed: the row becomes durable with the
// session's first events, at most one commit interval later.
func (w *Writer) BeginSession(s Session) (*SessionLog, error) {
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
	s := &Session{Ended: at, EndReason: reason, EndedAt: endedAt, Timing: l.timing}
	if fault != nil {
		s.Error = fault.Error()
	}
	if err := l.w.call(op{kind: opEnd, key: l.key, sess: s}).err; err != nil {
		return fmt.Errorf("end session %s: %w", l.id, err)
	}
	return nil
}

// EndQueued records how the session ended without waiting for the commit:
// for batches of simulated sessions, where consecutive sessions then share
// commits. The end is durable after the writer's next commit; Flush waits
// for it.
func (l *SessionLog) EndQueued(at time.Duration, reason string, endedAt time.Time, fault error) error {
	s := &Session{Ended: at, EndReason: reason, EndedAt: endedAt, Timing: l.timing}
	if fault != nil {
		s.Error = fault.Error()
	}
	if err := l.w.send(op{kind: opEnd, key: l.key, sess: s}); err != nil {
		return fmt.Errorf("end session %s: %w", l.id, err)
	}
	return nil
}

type attemptKey struct {
	session int64
	n       int
}

// loop is the writer goroutine: one transaction at a time, committed when
// the interval since its first write has passed, when it is large, or when
// someone waits for it.
func (w *Writer) loop(c *sqlite3.SQLiteConn, st *statements) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	b := &batch{w: w, c: c, st: st, attempts: map[attemptKey]protocols.Attempt{}, rows: map[int64]*sessionRows{}}
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

// opTimer is what next returns when the commit timer fires.
const opTimer opKind = 255

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
	w        *Writer
	c        *sqlite3.SQLiteConn
	st       *statements
	rows     map[int64]*sessionRows // buffered events by session key
	args     []driver.NamedValue
	started  time.Time
	err      error
	writes   int
	attempts map[attemptKey]protocols.Attempt
	order    []attemptKey
	replies  []reply
	expired  bool
	urgent   bool
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
		if b.err = b.flush(); b.err == nil {
			b.err = b.end(o.key, o.sess)
		}
	case opEvent:
		b.err = b.event(o.key, o.ev)
	case opAttempt:
		k := attemptKey{o.key, o.att.N}
		if _, ok := b.attempts[k]; !ok {
			b.order = append(b.order, k)
		}
		b.attempts[k] = o.att
	}
}

func nv(args []driver.NamedValue, v driver.Value) []driver.NamedValue {
	return append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v})
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// sessionRows buffers one session's events for multi-row inserts. Each
// list starts with the session key (?1) and holds the other columns' values
// of up to eventsPerInsert rows.
type sessionRows struct {
	in, out []driver.NamedValue
}

func newRows(key int64, cols int) []driver.NamedValue {
	vals := make([]driver.NamedValue, 1, 1+eventsPerInsert*(cols-1))
	vals[0] = driver.NamedValue{Ordinal: 1, Value: key}
	return vals
}

// event buffers one event's values, inserting a group as soon as it is
// full, so that the work overlaps the sessions producing the events instead
// of piling up for the commit.
func (b *batch) event(key int64, e Event) error {
	r := b.rows[key]
	if r == nil {
		r = &sessionRows{in: newRows(key, inputCols), out: newRows(key, outputCols)}
		b.rows[key] = r
	}
	if e.IsInput() {
		var attempt driver.Value
		if e.Attempt > 0 {
			attempt = int64(e.Attempt)
		}
		for _, v := range [inputCols - 1]driver.Value{int64(e.Seq), int64(e.At), e.Input.String(), boolInt(e.Entry), int64(e.HWSeq), e.Class.String(), attempt} {
			r.in = nv(r.in, v)
		}
		if len(r.in) == cap(r.in) {
			return insertRows(&r.in, inputCols, b.st.inputs, b.st.input)
		}
		return nil
	}
	for _, v := range [outputCols - 1]driver.Value{int64(e.Seq), int64(e.At), e.Output.String(), boolInt(e.On), int64(e.Due)} {
		r.out = nv(r.out, v)
	}
	if len(r.out) == cap(r.out) {
		return insertRows(&r.out, outputCols, b.st.outputs, b.st.output)
	}
	return nil
}

// insertRows inserts a session's buffered rows: a full group with one
// statement, a partial one row by row; the list keeps only the key.
func insertRows(vals *[]driver.NamedValue, cols int, many, one driver.Stmt) error {
	v := *vals
	*vals = v[:1]
	if len(v) == 1+eventsPerInsert*(cols-1) {
		_, err := exec(many, v)
		return err
	}
	args := make([]driver.NamedValue, cols)
	args[0] = v[0]
	for rest := v[1:]; len(rest) > 0; rest = rest[cols-1:] {
		for i := 1; i < cols; i++ {
			args[i] = driver.NamedValue{Ordinal: i + 1, Value: rest[i-1].Value}
		}
		if _, err := exec(one, args); err != nil {
			return err
		}
	}
	return nil
}

func (b *batch) flushEvents() error {
	for key, r := range b.rows {
		if err := insertRows(&r.in, inputCols, b.st.inputs, b.st.input); err != nil {
			return fmt.Errorf("input events: %w", err)
		}
		if err := insertRows(&r.out, outputCols, b.st.outputs, b.st.output); err != nil {
			return fmt.Errorf("output events: %w", err)
		}
		delete(b.rows, key)
	}
	return nil
}

// flush writes everything buffered in the batch.
func (b *batch) flush() error {
	if err := b.flushEvents(); err != nil {
		return err
	}
	return b.flushAttempts()
}

func optNsValue(d time.Duration) driver.Value {
	if d == protocols.None {
		return nil
	}
	return int64(d)
}

func (b *batch) flushAttempts() error {
	b.args = b.args[:0]
	for _, k := range b.order {
		a := b.attempts[k]
		var hole driver.Value
		if a.ResponseHole != 0 {
			hole = int64(a.ResponseHole)
		}
		for _, v := range [attemptCols]driver.Value{k.session, int64(a.N), a.Outcome.String(), int64(a.Target), int64(a.ITI), int64(a.SD), int64(a.ITIStart),
			optNsValue(a.Onset), hole, optNsValue(a.Response), optNsValue(a.Collection), optNsValue(a.FirstPremature),
			int64(a.Premature), int64(a.Perseverative), int64(a.TimeoutResponses)} {
			b.args = append(b.args, driver.NamedValue{Ordinal: len(b.args)%(attemptsPerInsert*attemptCols) + 1, Value: v})
		}
	}
	if err := flushRows(b.args, attemptCols, attemptsPerInsert, b.st.attempts, b.st.attempt); err != nil {
		return fmt.Errorf("attempts: %w", err)
	}
	clear(b.attempts)
	b.order = b.order[:0]
	return nil
}

// isolated applies a write someone waits for inside a savepoint, so that
// its failure (an unknown subject, say) is that caller's error alone and
// does not lose the other sessions' writes in the same transaction.
func (b *batch) isolated(o op) result {
	if err := b.flush(); err != nil {
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
		key, err = b.beginSession(o.sess)
	case opEnd:
		err = b.end(o.key, o.sess)
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

func (b *batch) end(key int64, s *Session) error {
	b.args = b.args[:0]
	var timing driver.Value
	if len(s.Timing) > 0 {
		timing = string(s.Timing)
	}
	for _, v := range []driver.Value{s.EndedAt.UTC().Format(time.RFC3339Nano), int64(s.Ended), s.EndReason, s.Error, timing, key} {
		b.args = nv(b.args, v)
	}
	res, err := exec(b.st.end, b.args)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("session key %d: %w", key, ErrNotFound)
	}
	return nil
}

func (b *batch) beginSession(s *Session) (int64, error) {
	b.args = b.args[:0]
	var study, day, injected driver.Value
	if s.Study != "" {
		study, day = s.Study, int64(s.StudyDay)
	}
	if !s.InjectedAt.IsZero() {
		injected = s.InjectedAt.UTC().Format(time.RFC3339Nano)
	}
	for _, v := range []driver.Value{s.ID, s.Subject, s.Condition, s.Chamber, s.Backend, s.Protocol, string(s.Params.JSON()),
		int64(s.Seed), s.Version, s.Host, s.StartedAt.UTC().Format(time.RFC3339Nano), study, day, injected} {
		b.args = nv(b.args, v)
	}
	res, err := exec(b.st.begin, b.args)
	if err != nil {
		if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
			return 0, fmt.Errorf("subject %q or condition %q: %w", s.Subject, s.Condition, ErrNotFound)
		}
		if isConstraint(err, sqlite3.ErrConstraintUnique) {
			return 0, fmt.Errorf("session %s: %w", s.ID, ErrExists)
		}
		return 0, err
	}
	return res.LastInsertId()
}

func (b *batch) commit() {
	if b.err == nil {
		b.err = b.flush()
	}
	if b.err == nil {
		if _, err := b.c.Exec("COMMIT", nil); err != nil {
			b.err = fmt.Errorf("commit: %w", err)
		}
	}
	if b.err != nil {
		b.c.Exec("ROLLBACK", nil)
		clear(b.rows)
		clear(b.attempts)
		b.order = b.order[:0]
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

// flushRows inserts buffered rows of cols values, perInsert rows to the
// many statement while there are that many, the rest one by one. The
// values' ordinals must already count from 1 within each group of
// perInsert rows.
func flushRows(vals []driver.NamedValue, cols, perInsert int, many, one driver.Stmt) error {
	for len(vals) >= perInsert*cols {
		if _, err := exec(many, vals[:perInsert*cols]); err != nil {
			return err
		}
		vals = vals[perInsert*cols:]
	}
	args := make([]driver.NamedValue, cols)
	for len(vals) > 0 {
		for i := range args {
			args[i] = driver.NamedValue{Ordinal: i + 1, Value: vals[i].Value}
		}
		if _, err := exec(one, args); err != nil {
			return err
		}
		vals = vals[cols:]
	}
	return nil
}
