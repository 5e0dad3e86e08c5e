package storage

import (
	"fmt"

	"github.com/fivechoice/fivechoice/protocols"
)

// pending holds a transaction's events and attempts until they are
// inserted. Events go in groups per session as soon as a group is full;
// attempts are kept at their latest state (a runner sends an attempt again
// each time it changes) and upserted when the batch flushes.
type pending struct {
	st       *statements
	events   map[int64]*sessionRows // by session key
	free     []*sessionRows
	attempts map[attemptKey]protocols.Attempt
	order    []attemptKey // attempts in the order they were first seen
	rows     *rowBuffer   // attempts being upserted
}

// sessionRows buffers one session's input and output events.
type sessionRows struct{ in, out *rowBuffer }

type attemptKey struct {
	session int64
	n       int
}

func newPending(st *statements) *pending {
	return &pending{st: st, events: map[int64]*sessionRows{}, attempts: map[attemptKey]protocols.Attempt{}, rows: st.attempts.buffer()}
}

func (p *pending) event(key int64, e Event) error {
	r := p.events[key]
	if r == nil {
		if n := len(p.free); n > 0 {
			r, p.free = p.free[n-1], p.free[:n-1]
			r.in.reset(key)
			r.out.reset(key)
		} else {
			r = &sessionRows{in: p.st.inputs.buffer(key), out: p.st.outputs.buffer(key)}
		}
		p.events[key] = r
	}
	if e.IsInput() {
		v := inputValues(e)
		return r.in.add(v[:]...)
	}
	v := outputValues(e)
	return r.out.add(v[:]...)
}

func (p *pending) attempt(key int64, a protocols.Attempt) {
	k := attemptKey{key, a.N}
	if _, ok := p.attempts[k]; !ok {
		p.order = append(p.order, k)
	}
	p.attempts[k] = a
}

// flush inserts everything pending.
func (p *pending) flush() error {
	for key, r := range p.events {
		if err := r.in.flush(); err != nil {
			return fmt.Errorf("input events: %w", err)
		}
		if err := r.out.flush(); err != nil {
			return fmt.Errorf("output events: %w", err)
		}
		delete(p.events, key)
		p.free = append(p.free, r)
	}
	for _, k := range p.order {
		v := attemptValues(k.session, p.attempts[k])
		if err := p.rows.add(v[:]...); err != nil {
			return fmt.Errorf("attempts: %w", err)
		}
	}
	if err := p.rows.flush(); err != nil {
		return fmt.Errorf("attempts: %w", err)
	}
	clear(p.attempts)
	p.order = p.order[:0]
	return nil
}

// discard forgets everything pending, after a failed transaction.
func (p *pending) discard() {
	clear(p.events)
	clear(p.attempts)
	p.order = p.order[:0]
	p.rows.reset()
}
