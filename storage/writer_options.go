package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

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

// NewWriter starts the single writer of d, on a connection of its own.
func (d *DB) NewWriter(opts ...WriterOption) (*Writer, error) {
	if d.path == ":memory:" {
		return nil, errors.New("writer: an in-memory database has no second connection; use a file")
	}
	w := &Writer{log: slog.Default(), interval: DefaultCommitInterval, queue: 1 << 16, done: make(chan struct{})}
	for _, o := range opts {
		o(w)
	}
	w.ops = make(chan op, w.queue)
	w.begins = make(chan op, 64)
	if err := connect(d.path, w.done, w.loop); err != nil {
		return nil, fmt.Errorf("writer: %w", err)
	}
	return w, nil
}
