// Package emulator is a fivechoice I/O board in software: it speaks the
// serial protocol of docs/serial-protocol.md on a real pseudo-terminal, so
// the serial backend can be tested, and demonstrated, end to end without
// hardware (Open the pty's path as a serial port).
//
// The emulated board keeps its own microsecond clock, with a known offset
// and drift against the host's, so tests can check the host's clock
// mapping. Its subject is a script of beam edges at board times, or a
// callback told of every output change. Faults can be injected at any time:
// silence, garbage, corrupt checksums, a restart, a hang-up; and a wrong
// protocol version from the start.
package emulator

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"sync"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial"
)

// An Edge is an input edge the board made: what it sent, and the host
// instant its board time stands for, against which a host's mapping of
// the board clock can be checked.
type Edge struct {
	Seq   uint32
	Input hardware.Input
	Entry bool
	Board uint32    // the board time in the frame, µs
	Host  time.Time // the host instant the board time stands for
}

// An OutputChange is an output the board switched, with when.
type OutputChange struct {
	Output hardware.Output
	On     bool
	Board  uint32    // µs
	Host   time.Time // the host instant of Board
	Pulse  time.Duration
	Cause  string // SET, PULSE, HALT, HELLO, TIMEOUT (the host went silent), RESET
}

// A Step is one scripted edge. At is on the board's clock, from the
// host's HELLO.
type Step struct {
	At    time.Duration
	Input hardware.Input
	Entry bool
}

// A Subject is the animal in the chamber. Output is told of every output
// change, on the board's goroutine, and may act through b; it must not
// block.
type Subject interface {
	Output(b Beams, o hardware.Output, on bool)
}

// SubjectFunc is a Subject written as a function.
type SubjectFunc func(b Beams, o hardware.Output, on bool)

// Output calls f.
func (f SubjectFunc) Output(b Beams, o hardware.Output, on bool) { f(b, o, on) }

// Beams is what a subject acts on.
type Beams interface {
	// After breaks (entry) or restores a beam d from now.
	After(d time.Duration, in hardware.Input, entry bool)
}

type config struct {
	holes       int
	offset      time.Duration
	ppm         float64
	version     serial.Version
	firmware    string
	script      []Step
	subject     Subject
	log         *slog.Logger
	beat        time.Duration
	hostTimeout time.Duration
	frozen      bool
}

// An Option configures a board.
type Option func(*config)

// WithHoles sets the number of holes (default 5).
func WithHoles(n int) Option { return func(c *config) { c.holes = n } }

// WithClock sets the board clock: its reading when the board is made
// (taken modulo 2^32 µs, so an offset just below 71m34.967296s makes the
// clock wrap soon) and how fast it runs against the host's, in parts per
// million (positive: fast).
func WithClock(offset time.Duration, ppm float64) Option {
	return func(c *config) { c.offset, c.ppm = offset, ppm }
}

// WithFrozenClock makes the board's clock stand still at its offset, as
// on QEMU's AVR machines (their timers are not implemented, so micros()
// never advances): the board answers, but every time it sends is the same.
func WithFrozenClock() Option { return func(c *config) { c.frozen = true } }

// WithProtocol sets the protocol version the board claims (default the
// host package's).
func WithProtocol(v serial.Version) Option { return func(c *config) { c.version = v } }

// WithFirmware sets the firmware version the board reports.
func WithFirmware(s string) Option { return func(c *config) { c.firmware = s } }

// WithScript makes the subject a script: edges at board times from each
// HELLO.
func WithScript(s []Step) Option { return func(c *config) { c.script = s } }

// WithSubject sets a subject that reacts to the outputs.
func WithSubject(s Subject) Option { return func(c *config) { c.subject = s } }

// WithLogger logs the board's doings (every frame at debug level).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithHeartbeat sets how often the board sends HB (default 500ms).
func WithHeartbeat(d time.Duration) Option { return func(c *config) { c.beat = d } }

// WithHostTimeout sets how long the board waits without a frame from the
// host before it switches every output off and leaves the session
// (default 2s).
func WithHostTimeout(d time.Duration) Option { return func(c *config) { c.hostTimeout = d } }

// Board is an emulated I/O board on a pseudo-terminal.
type Board struct {
	cfg    config
	master *os.File
	slave  *os.File
	start  time.Time
	log    *slog.Logger

	wmu sync.Mutex // one frame at a time; orders EV sequence numbers with HB

	mu         sync.Mutex
	token      uint16
	attached   bool      // in a session: a HELLO, and no timeout or reset since
	heard      time.Time // the host's latest frame
	checked    time.Time // the latest check of the host's silence
	seq        uint32
	lastID     uint32
	lastReply  serial.Frame
	levels     [hardware.Sync + 1]bool
	pelletFree time.Time
	rxBad      uint32
	silent     bool
	corrupt    int
	corruptEv  int
	flooding   bool
	edges      []Edge
	outputs    []OutputChange
	queue      []scheduled
	order      uint64
	hungUp     bool

	wake chan struct{}
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

// New opens a pseudo-terminal and starts the board on it.
func New(opts ...Option) (*Board, error) {
	cfg := config{
		holes: 5, version: serial.Protocol, firmware: "emulator-1.0.0",
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), beat: 500 * time.Millisecond, hostTimeout: 2 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.holes < 1 || cfg.holes > hardware.MaxHoles {
		return nil, fmt.Errorf("emulator: %d holes: want 1 to %d", cfg.holes, hardware.MaxHoles)
	}
	if math.Abs(cfg.ppm) >= 1e5 || cfg.beat <= 0 || cfg.hostTimeout <= 0 {
		return nil, errors.New("emulator: bad clock drift, heartbeat or host timeout")
	}
	m, s, err := openPTY()
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	b := &Board{cfg: cfg, master: m, slave: s, start: time.Now(), wake: make(chan struct{}, 1), done: make(chan struct{})}
	b.log = cfg.log.With("pty", s.Name())
	b.wg.Add(3)
	go b.read()
	go b.tick()
	go b.act()
	return b, nil
}

// Path is the pseudo-terminal's device, for the host to open.
func (b *Board) Path() string { return b.slave.Name() }

// Clock is the board clock's reading (µs) at host instant t.
func (b *Board) Clock(t time.Time) uint32 {
	if b.cfg.frozen {
		return uint32(b.cfg.offset.Microseconds())
	}
	el := float64(t.Sub(b.start).Nanoseconds()) * (1 + b.cfg.ppm/1e6) / 1e3
	return uint32(b.cfg.offset.Microseconds() + int64(math.Floor(el)))
}

// hostAfter is the host instant at which the board clock has advanced by d
// from host instant t.
func (b *Board) hostAfter(t time.Time, d time.Duration) time.Time {
	return t.Add(time.Duration(float64(d) / (1 + b.cfg.ppm/1e6)))
}

// Edges returns every input edge the board has made.
func (b *Board) Edges() []Edge {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Edge(nil), b.edges...)
}

// Outputs returns every output change the board has made.
func (b *Board) Outputs() []OutputChange {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]OutputChange(nil), b.outputs...)
}

// Lit reports whether an output is on.
func (b *Board) Lit(o hardware.Output) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return int(o) < len(b.levels) && b.levels[o]
}

// RxBad is how many corrupt frames the board has received from the host.
func (b *Board) RxBad() uint32 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rxBad
}

// Close stops the board and closes the pseudo-terminal.
func (b *Board) Close() error {
	b.once.Do(func() { close(b.done) })
	b.HangUp()
	b.wg.Wait()
	return b.slave.Close()
}

// HangUp closes the master side of the pseudo-terminal, as unplugging a
// USB board does: the host's reads and writes fail.
func (b *Board) HangUp() {
	b.mu.Lock()
	done := b.hungUp
	b.hungUp = true
	b.mu.Unlock()
	if !done {
		b.master.Close()
	}
}
