package controller

import (
	"maps"
	"slices"
	"sync"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// Memory is a Recorder that keeps a session in memory: every event in
// order, and the latest version of every attempt. Scenario runs and the
// backends' tests use it where nothing needs to be stored. It is safe to
// read while the session runs.
type Memory struct {
	mu       sync.Mutex
	events   []storage.Event
	attempts map[int]protocols.Attempt
}

var _ Recorder = (*Memory)(nil)

// Event keeps e.
func (m *Memory) Event(e storage.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, e)
}

// Attempt keeps a, replacing an earlier version of the same attempt.
func (m *Memory) Attempt(a protocols.Attempt) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.attempts == nil {
		m.attempts = map[int]protocols.Attempt{}
	}
	m.attempts[a.N] = a
}

// Events returns a copy of the events so far, in the order recorded.
func (m *Memory) Events() []storage.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.events)
}

// Attempts returns a copy of the latest version of each attempt, by its
// number (from 1).
func (m *Memory) Attempts() map[int]protocols.Attempt {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.attempts)
}
