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

// WithLagWarning sets how far commits may lag behind the sessions before
// the writer warns and reports itself degraded (DefaultLagWarning).
func WithLagWarning(d time.Duration) WriterOption { return func(w *Writer) { w.lagWarning = d } }

// WithRetryFor sets how long a batch that failed on another process's lock
// is retried before its sessions end at their last whole commit
// (DefaultRetryFor).
func WithRetryFor(d time.Duration) WriterOption { return func(w *Writer) { w.retryFor = d } }

// WithBusyTimeout sets how long one statement of the writer waits for
// another process's lock before it fails (and its batch is retried);
// default 10 s.
func WithBusyTimeout(d time.Duration) WriterOption { return func(w *Writer) { w.busy = d } }

// WithCommitObserver is called after every commit with its duration, the
// number of writes it held, and its lag: how long its oldest write waited
// to become durable (for the daemon's metrics).
func WithCommitObserver(f func(d time.Duration, writes int, lag time.Duration)) WriterOption {
	return func(w *Writer) { w.observe = f }
}

// WithThreadSetup has the writer goroutine call f first, on its own
// thread: the daemon takes it off the real-time class with it
// (timing.LeaveRealtime), so that SQLite's work never delays a timer.
func WithThreadSetup(f func() error) WriterOption { return func(w *Writer) { w.threadSetup = f } }

// NewWriter starts the single writer of d, on a connection of its own. It
// refuses a database it cannot write (a read-only file or file system),
// naming the file, rather than start and fail every write later.
func (d *DB) NewWriter(opts ...WriterOption) (*Writer, error) {
	if d.path == ":memory:" {
		return nil, errors.New("writer: an in-memory database has no second connection; use a file")
	}
	w := &Writer{path: d.path, log: slog.Default(), interval: DefaultCommitInterval, queue: 1 << 16, retryFor: DefaultRetryFor,
		busy: 10 * time.Second, lagWarning: DefaultLagWarning, done: make(chan struct{})}
	for _, o := range opts {
		o(w)
	}
	w.health.epoch = time.Now()
	w.health.probe = make(chan struct{}, 1)
	w.ops = make(chan op, w.queue)
	w.urgent = make(chan op, 64)
	if err := connect(d.path, w.busy, w.done, w.threadSetup, w.loop); err != nil {
		return nil, fmt.Errorf("writer: %w", err)
	}
	go w.watch()
	return w, nil
}
