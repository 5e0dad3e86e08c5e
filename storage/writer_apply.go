package storage

import (
	"database/sql/driver"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/protocols"
)

// This file applies the writer's writes to its open transaction: which
// statement each write runs, and how a session whose recording stopped is
// ended at its last whole commit.

// open begins the batch's transaction.
func (b *batch) open() {
	if _, err := b.c.Exec("BEGIN IMMEDIATE", nil); err != nil {
		b.err = fmt.Errorf("begin transaction: %w", err)
	}
}

// apply runs one write in the open transaction. A failure of the batch
// goes to b.err; a failure that is the write's caller's alone (an unknown
// subject) goes to o.err, isolated in a savepoint.
func (b *batch) apply(o *op) {
	l := o.log
	switch o.kind {
	case opEvent:
		if l.refused {
			return
		}
		if b.err = b.rows.event(l.key, o.ev); b.err == nil {
			b.mark(l, o.ev.Seq, 0)
		}
	case opAttempt:
		if l.refused {
			return
		}
		b.rows.attempt(l.key, o.att)
		b.mark(l, 0, o.att.N)
	case opBegin:
		o.err = b.isolated(func() error {
			key, err := b.st.beginSession(o.sess, o.key)
			o.key, l.key = key, key
			return err
		})
		if o.err == nil {
			b.mark(l, 0, 0) // its commit is the record's first durable point
		}
		if !o.wait { // queued: the caller goes on once the row is written
			b.answer(o, b.err)
		}
	case opEnd:
		if l.Err() != nil {
			o.err = b.isolated(func() error { return b.endAtCommit(l, o.sess) })
		} else {
			// The end and the stage change it decided commit in one
			// transaction; a change that cannot be written (a logic error)
			// is reported without losing the end.
			if o.err = b.isolated(func() error { return b.st.endSession(l.key, o.sess) }); o.err == nil {
				o.err = b.isolated(func() error { return b.stageChange(l) })
			}
		}
	case opExec:
		o.err = b.isolated(func() error { return o.exec(b.c) })
	case opProbe:
		// A real write: an empty transaction commits even on a full disk,
		// and a small write on a nearly full one.
		if b.err = enoughSpace(b.w.path, b.w.Err()); b.err != nil {
			return
		}
		if err := stampVersion(b.c); err != nil {
			b.err = fmt.Errorf("the database still cannot be written: %w", err)
		}
	}
	if b.err == nil && o.err == nil && !(l != nil && l.refused && o.kind != opEnd) {
		b.wrote = true
	}
}

// mark notes how far a session's writes in the batch reach.
func (b *batch) mark(l *SessionLog, seq uint64, attempt int) {
	m := b.marks[l]
	m.seq, m.attempt = max(m.seq, seq), max(m.attempt, attempt)
	b.marks[l] = m
}

// isolated runs a write inside a savepoint, so that its failure is that
// caller's error alone and does not lose the other sessions' writes in
// the same transaction.
func (b *batch) isolated(f func() error) error {
	if b.err == nil {
		b.err = b.rows.flush()
	}
	if b.err != nil {
		return nil // the batch failed: the caller gets its error
	}
	if _, err := b.c.Exec(`SAVEPOINT one_write`, nil); err != nil {
		b.err = err
		return nil
	}
	err := f()
	if err != nil {
		if _, rerr := b.c.Exec(`ROLLBACK TO one_write`, nil); rerr != nil {
			b.err = rerr
		}
	}
	if _, rerr := b.c.Exec(`RELEASE one_write`, nil); rerr != nil && b.err == nil {
		b.err = rerr
	}
	return err
}

// endAtCommit ends a session whose recording stopped (a commit that could
// not be made, a full queue) where its stored record stops: at its last
// stored event, aborted, with its attempts as its stored events imply
// (protocols.Replay), so that the record is whole, rescores to itself and
// says where and why it stops.
func (b *batch) endAtCommit(l *SessionLog, s *SessionRecord) error {
	events, end, err := b.storedEvents(l.key)
	if err != nil {
		return fmt.Errorf("end at the last commit: %w", err)
	}
	again, err := protocols.Replay(l.params, events, end, protocols.EndAborted)
	if err != nil {
		return fmt.Errorf("end at the last commit: %w", err)
	}
	as := again.Attempts()
	for _, a := range as {
		b.rows.attempt(l.key, a)
	}
	if err := b.rows.flush(); err != nil {
		return err
	}
	if _, err := b.c.Exec(`DELETE FROM attempts WHERE session = ? AND n > ?`, []driver.Value{l.key, int64(len(as))}); err != nil {
		return err
	}
	rec := *s
	rec.Ended, rec.EndReason = end, protocols.EndAborted
	why, where := l.Err().Error(), fmt.Sprintf("the record stops whole at event %d, attempt %d", len(events), len(as))
	switch {
	case s.Error == "":
		rec.Error = where + ": " + why
	case strings.Contains(s.Error, why):
		rec.Error = s.Error + "; " + where
	default:
		rec.Error = s.Error + "; " + where + ": " + why
	}
	return b.st.endSession(l.key, &rec)
}

// storedEvents reads a session's events as the open transaction sees them,
// as the protocol's raw log, and the time of the latest.
func (b *batch) storedEvents(key int64) ([]protocols.LogEntry, time.Duration, error) {
	rows, err := b.c.Query(`SELECT seq, t_ns, kind, channel, value, COALESCE(hw_seq, 0), COALESCE(due_ns, 0) FROM events WHERE session = ? ORDER BY seq`,
		[]driver.Value{key})
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []protocols.LogEntry
	var end time.Duration
	v := make([]driver.Value, 7)
	for {
		if err := rows.Next(v); err == io.EOF {
			break
		} else if err != nil {
			return nil, 0, err
		}
		e := Event{Seq: uint64(asInt(v[0])), At: time.Duration(asInt(v[1])), HWSeq: uint64(asInt(v[5])), Due: time.Duration(asInt(v[6]))}
		if asString(v[2]) == "input" {
			e.Input, err = hardware.ParseInput(asString(v[3]))
			e.Entry = asInt(v[4]) == 1
		} else {
			e.Output, err = hardware.ParseOutput(asString(v[3]))
			e.On = asInt(v[4]) == 1
		}
		if err != nil {
			return nil, 0, fmt.Errorf("event %d: %w", e.Seq, err)
		}
		end = max(end, e.At)
		out = append(out, LogEntry(e))
	}
	return out, end, nil
}

func asInt(v driver.Value) int64 {
	n, _ := v.(int64)
	return n
}

func asString(v driver.Value) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	}
	return ""
}

// stageChange records the training stage change a session's end decided,
// in the end's own transaction, if the rat is still under the change the
// session ran under (a move by hand meanwhile wins: the decision was made
// for a stage the rat has left).
func (b *batch) stageChange(l *SessionLog) error {
	c := l.stage
	if c == nil {
		return nil
	}
	_, err := b.c.Exec(`INSERT INTO training_changes (subject, programme, version, from_stage, to_stage, action, session, reason, by, at)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
		WHERE (SELECT MAX(id) FROM training_changes WHERE subject = ?) = ?`,
		[]driver.Value{c.Subject, c.Programme, int64(c.Version), c.From, c.To, c.Action, l.key, c.Reason, c.By,
			c.At.UTC().Format(time.RFC3339Nano), c.Subject, c.Under})
	if err != nil {
		return fmt.Errorf("training stage change of %s: %w", c.Subject, err)
	}
	return nil
}
