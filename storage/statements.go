package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/fivechoice/fivechoice/protocols"
)

// This file is the writer's side of SQL: the statement text, and the
// arithmetic of bind positions. The writer talks to SQLite through the
// driver connection itself rather than database/sql: a 100-trial session is
// about ten thousand bound values, and the generic argument conversion per
// value was most of the cost of storing a session. So values are bound as
// driver.NamedValue, each with its 1-based position (Ordinal).

const (
	// eventsPerInsert is how many events one multi-row INSERT carries.
	eventsPerInsert = 64
	// attemptsPerInsert is how many attempts one multi-row upsert carries.
	attemptsPerInsert = 16
)

// statements are the writer's prepared statements. Input and output events
// have their own INSERTs so that the columns that do not apply are literal
// NULLs instead of bound values.
type statements struct {
	inputs, outputs, attempts *multiInsert
	begin, end                driver.Stmt
	args                      []driver.NamedValue // scratch for begin and end
}

// The event INSERTs bind the session key once, as ?1: a group holds one
// session's events. SQLite numbers each later ? one past the largest
// number so far, so a row's values take positions 2, 3, ...
const (
	insertEvent   = `INSERT INTO events (session, seq, t_ns, kind, channel, value, hw_seq, class, attempt, due_ns) VALUES `
	inputRow      = "(?1, ?, ?, 'input', ?, ?, ?, ?, ?, NULL)"
	outputRow     = "(?1, ?, ?, 'output', ?, ?, NULL, NULL, NULL, ?)"
	upsertAttempt = `INSERT INTO attempts (session, n, outcome, target, iti_ns, sd_ns, iti_start_ns, onset_ns, response_hole, response_ns,
		collection_ns, first_premature_ns, premature, perseverative, timeout_responses) VALUES `
	attemptRow      = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	onAttemptExists = `
		ON CONFLICT (session, n) DO UPDATE SET outcome = excluded.outcome, target = excluded.target, iti_ns = excluded.iti_ns, sd_ns = excluded.sd_ns,
		iti_start_ns = excluded.iti_start_ns, onset_ns = excluded.onset_ns, response_hole = excluded.response_hole, response_ns = excluded.response_ns,
		collection_ns = excluded.collection_ns, first_premature_ns = excluded.first_premature_ns, premature = excluded.premature,
		perseverative = excluded.perseverative, timeout_responses = excluded.timeout_responses`
	insertSession = `INSERT INTO sessions (key, id, subject_id, condition_id, chamber, backend, protocol, params, seed, software_version, host, started_at, status, study, study_day, injected_at, training_change)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`
	updateSessionEnd = `UPDATE sessions SET status = 'ended', ended_at = ?, ended_ns = ?, end_reason = ?, error = NULLIF(?, ''), timing = ? WHERE key = ?`
)

// connect opens the writer's own connection to the database at path,
// checks that it can write (stamping the schema version, a real write),
// prepares the statements, and runs run with them in a new goroutine that
// closes done when run returns. It returns once the statements are ready.
func connect(path string, busy time.Duration, done chan struct{}, setup func() error, run func(*sqlite3.SQLiteConn, *statements)) error {
	db, err := sql.Open("sqlite3", dsnBusy(path, busy))
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return err
	}
	ready := make(chan error, 1)
	go func() {
		defer close(done)
		defer db.Close()
		defer conn.Close()
		err := conn.Raw(func(dc any) error {
			if setup != nil {
				if err := setup(); err != nil {
					return err
				}
			}
			c, ok := dc.(*sqlite3.SQLiteConn)
			if !ok {
				return fmt.Errorf("unexpected driver connection %T", dc)
			}
			if err := stampVersion(c); err != nil {
				return fmt.Errorf("%s cannot be written (a read-only file or file system?): %w", path, err)
			}
			st, err := prepare(c)
			if err != nil {
				return err
			}
			defer st.close()
			ready <- nil
			run(c, st)
			return nil
		})
		if err != nil {
			ready <- err
		}
	}()
	if err := <-ready; err != nil {
		<-done
		return err
	}
	return nil
}

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
	multi := func(head, row, tail string, shared, cols, perInsert int) *multiInsert {
		return &multiInsert{
			many:   prep(head + strings.TrimSuffix(strings.Repeat(row+", ", perInsert), ", ") + tail),
			one:    prep(head + row + tail),
			shared: shared, cols: cols, perInsert: perInsert,
			args: make([]driver.NamedValue, shared+cols),
		}
	}
	st := &statements{
		inputs:   multi(insertEvent, inputRow, "", 1, 7, eventsPerInsert),
		outputs:  multi(insertEvent, outputRow, "", 1, 5, eventsPerInsert),
		attempts: multi(upsertAttempt, attemptRow, onAttemptExists, 0, 15, attemptsPerInsert),
		begin:    prep(insertSession),
		end:      prep(updateSessionEnd),
	}
	if err != nil {
		st.close()
		return nil, err
	}
	return st, nil
}

func (st *statements) close() {
	for _, s := range []driver.Stmt{st.inputs.many, st.inputs.one, st.outputs.many, st.outputs.one,
		st.attempts.many, st.attempts.one, st.begin, st.end} {
		if s != nil {
			s.Close()
		}
	}
}

// exec runs a prepared statement with positional arguments.
func exec(s driver.Stmt, args []driver.NamedValue) (driver.Result, error) {
	return s.(driver.StmtExecContext).ExecContext(context.Background(), args)
}

// bind appends v as the next positional argument.
func bind(args []driver.NamedValue, v driver.Value) []driver.NamedValue {
	return append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v})
}

// A multiInsert is one INSERT prepared twice: for perInsert rows at once,
// and for a single row. Both bind shared leading values first (the session
// key of an event group), then cols values per row.
type multiInsert struct {
	many, one driver.Stmt
	shared    int
	cols      int
	perInsert int
	args      []driver.NamedValue // scratch for one row
}

// A rowBuffer gathers rows for a multiInsert: its shared values, then up
// to perInsert rows' values, in bind order.
type rowBuffer struct {
	m    *multiInsert
	vals []driver.NamedValue
}

func (m *multiInsert) buffer(shared ...driver.Value) *rowBuffer {
	b := &rowBuffer{m: m, vals: make([]driver.NamedValue, 0, m.shared+m.perInsert*m.cols)}
	b.reset(shared...)
	return b
}

// reset empties the buffer and binds new shared values.
func (b *rowBuffer) reset(shared ...driver.Value) {
	b.vals = b.vals[:0]
	for _, v := range shared {
		b.vals = bind(b.vals, v)
	}
}

// add buffers one row, inserting the group as soon as it is full, so that
// the work overlaps whatever produces the rows instead of piling up for the
// commit.
func (b *rowBuffer) add(row ...driver.Value) error {
	for _, v := range row {
		b.vals = bind(b.vals, v)
	}
	if len(b.vals) < cap(b.vals) {
		return nil
	}
	full := b.vals
	b.vals = b.vals[:b.m.shared]
	_, err := exec(b.m.many, full)
	return err
}

// flush inserts the rows of a partial group one by one; the buffer keeps
// only its shared values.
func (b *rowBuffer) flush() error {
	m := b.m
	rows := b.vals[m.shared:]
	b.vals = b.vals[:m.shared]
	copy(m.args, b.vals)
	for ; len(rows) > 0; rows = rows[m.cols:] {
		for i, v := range rows[:m.cols] {
			m.args[m.shared+i] = driver.NamedValue{Ordinal: m.shared + i + 1, Value: v.Value}
		}
		if _, err := exec(m.one, m.args); err != nil {
			return err
		}
	}
	return nil
}

// The values of one row of each kind, in the order of the statements'
// columns.

func inputValues(e Event) [7]driver.Value {
	var attempt driver.Value
	if e.Attempt > 0 {
		attempt = int64(e.Attempt)
	}
	return [7]driver.Value{int64(e.Seq), int64(e.At), e.Input.String(), boolInt(e.Entry), int64(e.HWSeq), e.Class.String(), attempt}
}

func outputValues(e Event) [5]driver.Value {
	return [5]driver.Value{int64(e.Seq), int64(e.At), e.Output.String(), boolInt(e.On), int64(e.Due)}
}

func attemptValues(session int64, a protocols.Attempt) [15]driver.Value {
	var hole driver.Value
	if a.ResponseHole != 0 {
		hole = int64(a.ResponseHole)
	}
	return [15]driver.Value{session, int64(a.N), a.Outcome.String(), int64(a.Target), int64(a.ITI), int64(a.SD), int64(a.ITIStart),
		optNsValue(a.Onset), hole, optNsValue(a.Response), optNsValue(a.Collection), optNsValue(a.FirstPremature),
		int64(a.Premature), int64(a.Perseverative), int64(a.TimeoutResponses)}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func optNsValue(d time.Duration) driver.Value {
	if d == protocols.None {
		return nil
	}
	return int64(d)
}

// beginSession inserts a session's row as running and returns its key;
// key is 0 for a new one, or the key it got before (a batch retried).
func (st *statements) beginSession(s *SessionRecord, key int64) (int64, error) {
	var study, day, injected, change driver.Value
	if s.TrainingChange != 0 {
		change = s.TrainingChange
	}
	if s.Study != "" {
		study, day = s.Study, int64(s.StudyDay)
	}
	if !s.InjectedAt.IsZero() {
		injected = s.InjectedAt.UTC().Format(time.RFC3339Nano)
	}
	var k driver.Value
	if key != 0 {
		k = key
	}
	st.args = st.args[:0]
	for _, v := range []driver.Value{k, s.ID, s.Subject, s.Condition, s.Chamber, s.Backend, s.Protocol, string(s.Params.JSON()),
		int64(s.Seed), s.Version, s.Host, s.StartedAt.UTC().Format(time.RFC3339Nano), study, day, injected, change} {
		st.args = bind(st.args, v)
	}
	res, err := exec(st.begin, st.args)
	if err != nil {
		if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
			return 0, fmt.Errorf("subject %q or condition %q: %w", s.Subject, s.Condition, ErrNotFound)
		}
		if isConstraint(err, sqlite3.ErrConstraintUnique) && strings.Contains(err.Error(), "sessions.subject_id") {
			return 0, fmt.Errorf("subject %s: %w", s.Subject, ErrSubjectRunning)
		}
		if isConstraint(err, sqlite3.ErrConstraintUnique) {
			return 0, fmt.Errorf("session %s: %w", s.ID, ErrExists)
		}
		return 0, err
	}
	return res.LastInsertId()
}

// endSession records how the session with the given key ended.
func (st *statements) endSession(key int64, s *SessionRecord) error {
	var timing driver.Value
	if len(s.Timing) > 0 {
		timing = string(s.Timing)
	}
	st.args = st.args[:0]
	for _, v := range []driver.Value{s.EndedAt.UTC().Format(time.RFC3339Nano), int64(s.Ended), s.EndReason, s.Error, timing, key} {
		st.args = bind(st.args, v)
	}
	res, err := exec(st.end, st.args)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("session key %d: %w", key, ErrNotFound)
	}
	return nil
}
