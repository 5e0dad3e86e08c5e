package storage

import (
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"
)

// This file is the writer's policy: when a batch commits, and what happens
// when it cannot. The rule is that a session's record never has a hole: a
// batch is committed whole or not at all, a failed one is retried whole
// while the failure may pass (another process holding the lock), and when
// it cannot be committed, the sessions with writes in it stop recording at
// their last whole commit and end aborted, saying so. Later batches carry
// on for every other session, and the writer recovers by itself once the
// database writes again.

// loop is the writer goroutine: one transaction at a time, committed when
// the interval since its first write has passed, when it is large, or when
// someone waits for it.
func (w *Writer) loop(c *sqlite3.SQLiteConn, st *statements) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	b := &batch{w: w, c: c, st: st, rows: newPending(st), marks: map[*SessionLog]mark{}}
	urgent := w.urgent
	for {
		first, ok := w.next(&urgent, nil)
		if !ok && len(b.carry) == 0 {
			return
		}
		b.begin(first, ok)
		timer.Reset(w.interval)
		open := ok
		for open && !b.due() {
			var o op
			if o, open = w.next(&urgent, timer.C); !open {
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
			for i := range b.carry { // closed: no later batch will take them
				b.answer(&b.carry[i], fmt.Errorf("%w: %w", ErrWriterClosed, b.err))
			}
			return
		}
	}
}

// next returns the next write, a waiting caller's first. With a timer it
// returns an opTimer op when the timer fires first. ok is false once the
// writer is closed and drained.
func (w *Writer) next(urgent *chan op, timer <-chan time.Time) (op, bool) {
	if *urgent != nil {
		select {
		case o, ok := <-*urgent:
			if ok {
				return o, true
			}
			*urgent = nil
		default:
		}
	}
	for {
		select {
		case o, ok := <-*urgent:
			if !ok {
				*urgent = nil
				continue
			}
			return o, true
		case o, ok := <-w.ops:
			if !ok {
				return op{}, false
			}
			return o, true
		case <-w.health.probe:
			return op{kind: opProbe, queued: w.health.now()}, true
		case <-timer:
			return op{kind: opTimer}, true
		}
	}
}

// batch is one transaction of the writer. It keeps its writes until the
// commit, so that a failed transaction can be applied again whole.
type batch struct {
	w       *Writer
	c       *sqlite3.SQLiteConn
	st      *statements
	rows    *pending
	ops     []op
	marks   map[*SessionLog]mark // what each session's writes in it reach
	started time.Time            // when the commit began
	oldest  int64                // when its oldest write was queued
	err     error                // the first failure: the transaction is rolled back
	wrote   bool                 // a write took effect: its commit shows the database writes
	expired bool                 // the commit interval has passed
	urgent  bool                 // someone waits for the commit
	// carry are the session ends of a batch that could not be committed:
	// each is tried again with the next batch, so a session's end is
	// recorded once the database writes again.
	carry []op
}

// mark is how far a session's writes in a batch reach.
type mark struct {
	seq     uint64
	attempt int
}

// begin opens a transaction with the carried ends and first (if ok).
func (b *batch) begin(first op, ok bool) {
	ops := b.carry
	b.carry = nil
	if ok {
		ops = append(ops, first)
	}
	b.oldest = ops[0].queued
	for _, o := range ops {
		b.oldest = min(b.oldest, o.queued)
	}
	b.err, b.expired, b.urgent, b.wrote = nil, false, false, false
	b.ops = b.ops[:0]
	clear(b.marks)
	b.w.health.pending(b.oldest)
	b.w.health.writes.Store(int64(len(ops)))
	b.open()
	for _, o := range ops {
		b.add(o)
	}
}

func (b *batch) due() bool { return b.expired || b.urgent || len(b.ops) >= maxBatch }

// add applies a write and keeps it for a retry.
func (b *batch) add(o op) {
	if o.wait {
		b.urgent = true
	}
	b.ops = append(b.ops, o)
	b.w.health.writes.Store(int64(len(b.ops)))
	if b.err == nil {
		b.apply(&b.ops[len(b.ops)-1])
	}
}

// commit ends the transaction, retrying it whole while its failure may
// pass, and answers everyone waiting for it.
func (b *batch) commit() {
	since := time.Now()
	b.started = since
	for try := 0; ; try++ {
		if b.err == nil {
			b.err = b.rows.flush()
		}
		if b.err == nil {
			if _, err := b.c.Exec("COMMIT", nil); err != nil {
				b.err = fmt.Errorf("commit: %w", err)
			}
		}
		if b.err == nil {
			b.committed()
			return
		}
		b.c.Exec("ROLLBACK", nil)
		b.rows.discard()
		if !retryable(b.err) || time.Since(since) >= b.w.retryFor {
			b.giveUp()
			return
		}
		if try == 0 {
			b.w.log.Warn("storage batch failed; retrying it whole", "err", b.err, "writes", len(b.ops), "retry_for", b.w.retryFor)
		}
		time.Sleep(min(50*time.Millisecond<<min(try, 5), time.Second))
		b.replay()
	}
}

// replay opens a new transaction and applies the batch's writes again.
func (b *batch) replay() {
	b.err, b.wrote = nil, false
	clear(b.marks)
	b.open()
	for i := range b.ops {
		if b.err != nil {
			return
		}
		b.apply(&b.ops[i])
	}
}

// retryable reports whether a failure may pass by itself: another
// connection holding the database's lock.
func retryable(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// committed publishes what the commit made durable and answers the callers
// waiting for it.
func (b *batch) committed() {
	now := time.Now()
	for l, m := range b.marks {
		l.advance(m, now)
	}
	wrote := b.wrote
	if err := enoughSpace(b.w.path, b.w.Err()); wrote && err != nil {
		// Written, but on a disk still nearly full: not recovered yet.
		wrote = false
		b.w.health.fail(err)
	}
	lag := b.w.health.committed(b.oldest, wrote)
	if b.w.observe != nil {
		b.w.observe(now.Sub(b.started), len(b.ops), lag)
	}
	for i := range b.ops {
		b.answer(&b.ops[i], nil)
	}
	b.w.health.writes.Store(0)
}

// giveUp ends a batch that cannot be committed: every session with a
// write in it stops recording at its last whole commit (its later writes
// are refused, its end is recorded there), callers waiting get the error,
// and the writer reports itself failing until a commit succeeds again.
func (b *batch) giveUp() {
	err := b.err
	if b.w.Err() == nil { // said once, not at every try while failing
		b.w.log.Error("storage batch could not be committed; its sessions end at their last whole commit", "err", err, "writes", len(b.ops))
	}
	b.w.health.fail(err)
	for i := range b.ops {
		if l := b.ops[i].log; l != nil {
			l.refused = true
			l.fail(fmt.Errorf("%w: a commit failed (%w)", ErrRecordStopped, err))
		}
		switch b.ops[i].kind {
		case opEnd:
			// Its caller learns at once (the chamber is free again); the
			// end itself is written with the next batch that commits.
			b.answer(&b.ops[i], fmt.Errorf("%w; the session's end is recorded once the database writes again", err))
			b.carry = append(b.carry, b.ops[i])
			continue
		case opBegin:
			b.answer(&b.ops[i], fmt.Errorf("%w: %w", ErrCannotRecord, err))
		}
		b.answer(&b.ops[i], err)
	}
	b.w.health.writes.Store(0)
}

// answer replies to a write's caller, once: a write's own error first,
// then the batch's.
func (b *batch) answer(o *op, batchErr error) {
	if o.reply == nil {
		return
	}
	err := o.err
	if err == nil {
		err = batchErr
	}
	o.reply <- result{err: err}
	o.reply = nil
}
