package serial

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// Errors of a chamber, told apart with errors.Is. The error a chamber
// fails with wraps one of them and says, in words, what happened.
var (
	ErrClosed       = errors.New("serial: chamber closed")
	ErrHandshake    = errors.New("serial: no handshake with the board")
	ErrVersion      = errors.New("serial: incompatible board firmware")
	ErrClock        = errors.New("serial: the board's clock is unusable")
	ErrDisconnected = errors.New("serial: board disconnected")
	ErrSilent       = errors.New("serial: board silent")
	ErrGarbage      = errors.New("serial: too many corrupt frames from the board")
	ErrNoAck        = errors.New("serial: command not acknowledged")
	ErrRefused      = errors.New("serial: board refused the command")
	ErrLeft         = errors.New("serial: board left the session")
)

// BoardInfo is what a board said of itself at the handshake.
type BoardInfo struct {
	Port     string  // the port's name
	Protocol Version // the protocol version the board speaks
	Firmware string  // the firmware's own version
	Holes    int     // nose-poke holes (and as many stimulus lights)
}

// Stats counts what went wrong on the line, for logs and metrics.
type Stats struct {
	Lost    uint64 // input events the board sent that never arrived (gaps in its sequence numbers)
	Dropped uint64 // input events dropped because the runner had not taken the earlier ones
	Corrupt uint64 // frames with a bad checksum or shape, and garbage lines
	Unknown uint64 // good frames of a type this host does not know (a newer minor version)
	Early   uint64 // input events from before Begin, not delivered
	Retries uint64 // commands sent again for want of an acknowledgement
	Clamped uint64 // event times raised to the previous event's (a clock refit stepped back)
	BoardRx uint32 // corrupt frames the board says it received from the host
}

// Chamber is an operant chamber on a serial I/O board; it implements
// hardware.Chamber. One Chamber serves one session: Open, Begin, the
// session, Close.
type Chamber struct {
	cfg   config
	port  io.ReadWriteCloser
	name  string
	log   *slog.Logger
	ref   time.Time // host times are nanoseconds since ref (monotonic)
	board BoardInfo

	out        chan outFrame // to the writer
	events     chan hardware.Event
	hs         chan Frame    // the board's HI, during the handshake
	done       chan struct{} // closed when the chamber fails or closes
	stopOnce   sync.Once
	readerDone chan struct{}
	writerDone chan struct{}
	heartDone  chan struct{}

	token     atomic.Uint32 // the session token of the latest HELLO
	inSession atomic.Bool   // the board has answered it
	begun     atomic.Bool
	t0        atomic.Int64 // host time of session time zero
	lastHeard atomic.Int64 // host time of the latest good frame
	lastBad   atomic.Int64 // host time of the latest corrupt one
	writing   atomic.Int64 // host time the write under way began, 0 for none
	nonce     atomic.Uint32

	lost, dropped, corrupt, unknown, early, retries, clamped atomic.Uint64
	boardRx                                                  atomic.Uint32

	rd reader // the reader goroutine's own

	cmdMu  sync.Mutex // one command in flight
	nextID uint32

	clockMu sync.Mutex
	clock   *clockModel

	mu     sync.Mutex
	err    error
	closed bool
	cmd    *pending
	pings  map[uint32]pingSent // by nonce
	byteNs int64               // a byte's time on the UART, 0 for native USB
}

// pingSent is a PING on its way: when it was written, and its length.
type pingSent struct {
	at  int64
	len int
}

// A pending command waits for its acknowledgement.
type pending struct {
	id    uint32
	typ   Type
	sent  int64 // host time it was first queued
	reply chan reply
}

type reply struct {
	at  time.Duration
	nak string
}

// New runs the protocol over an open port (Open opens a serial device) and
// returns the chamber once the board has answered the handshake and the
// clocks have been compared. name is the port's name, for messages. The
// chamber owns port from then on: Close, and a failed New, close it.
func New(port io.ReadWriteCloser, name string, opts ...Option) (*Chamber, error) {
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.check(); err != nil {
		port.Close()
		return nil, err
	}
	c := &Chamber{
		cfg: cfg, port: port, name: name, ref: time.Now(),
		log:        cfg.log.With("port", name),
		out:        make(chan outFrame, 64),
		events:     make(chan hardware.Event, cfg.bufSize),
		hs:         make(chan Frame, 1),
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
		heartDone:  make(chan struct{}),
		clock:      newClockModel(),
		pings:      map[uint32]pingSent{},
	}
	c.byteNs = cfg.byteTime()
	c.lastHeard.Store(c.now())
	go c.read()
	go c.write()
	if err := c.handshake(); err != nil {
		c.stop()
		<-c.readerDone
		close(c.heartDone)
		return nil, err
	}
	c.t0.Store(c.now()) // times before Begin count from here
	go c.heart()
	return c, nil
}

func (cfg config) check() error {
	switch {
	case cfg.beat <= 0 || cfg.silence <= cfg.beat:
		return fmt.Errorf("serial: heartbeat %v and silence %v: want 0 < interval < silence", cfg.beat, cfg.silence)
	case cfg.pellet < time.Millisecond || cfg.pellet > MaxPelletPulse:
		return fmt.Errorf("serial: pellet pulse %v: want 1ms to %v", cfg.pellet, MaxPelletPulse)
	case cfg.syncSet && cfg.sync == 0:
		return fmt.Errorf("serial: WithSyncSet without WithSyncPulse")
	case cfg.sync != 0 && (cfg.sync < time.Millisecond || cfg.sync > MaxPelletPulse):
		return fmt.Errorf("serial: sync pulse %v: want 1ms to %v", cfg.sync, MaxPelletPulse)
	case cfg.cmdTimeout <= 0 || cfg.cmdTries < 1:
		return fmt.Errorf("serial: command timeout %v, %d tries: want both positive", cfg.cmdTimeout, cfg.cmdTries)
	case cfg.corruptLimit < 0 || cfg.corruptIn <= 0:
		return fmt.Errorf("serial: corrupt limit %d in %v", cfg.corruptLimit, cfg.corruptIn)
	case cfg.bufSize < 1 || cfg.handshake <= 0:
		return fmt.Errorf("serial: event buffer %d, handshake timeout %v: want both positive", cfg.bufSize, cfg.handshake)
	}
	return nil
}

// byteTime is a byte's time on the line (ns): 10 bit times at 8N1, or none
// when the board talks USB itself.
func (cfg config) byteTime() int64 {
	if cfg.nativeUSB || cfg.baud <= 0 {
		return 0
	}
	return int64(10 * time.Second / time.Duration(cfg.baud))
}

// now is the host time: nanoseconds since the chamber was made.
func (c *Chamber) now() int64 { return int64(time.Since(c.ref)) }

// Board is what the board said of itself at the handshake.
func (c *Chamber) Board() BoardInfo { return c.board }

// Holes is the number of holes the board has.
func (c *Chamber) Holes() int { return c.board.Holes }

// Stats returns the chamber's counters.
func (c *Chamber) Stats() Stats {
	return Stats{
		Lost: c.lost.Load(), Dropped: c.dropped.Load(), Corrupt: c.corrupt.Load(),
		Unknown: c.unknown.Load(), Early: c.early.Load(), Retries: c.retries.Load(),
		Clamped: c.clamped.Load(), BoardRx: c.boardRx.Load(),
	}
}

// Lost is how many input events the board sent that never arrived.
func (c *Chamber) Lost() uint64 { return c.lost.Load() }

// Dropped is how many input events were dropped because the runner had not
// taken the earlier ones (the event buffer was full).
func (c *Chamber) Dropped() uint64 { return c.dropped.Load() }

// Corrupt is how many corrupt frames and garbage lines arrived.
func (c *Chamber) Corrupt() uint64 { return c.corrupt.Load() }

// Clock describes the current mapping of the board's clock onto session
// time.
func (c *Chamber) Clock() ClockInfo {
	c.clockMu.Lock()
	defer c.clockMu.Unlock()
	m := c.clock
	return ClockInfo{
		BoardAtZero: uint32(m.board(c.t0.Load())),
		DriftPPM:    m.driftPPM(),
		Fitted:      m.fitted,
		MinRTT:      time.Duration(m.minRTT),
		Samples:     len(m.samples),
		Used:        m.used,
	}
}

// hostTime maps a board time (µs, unwrapped) to host time.
func (c *Chamber) hostTime(board int64) int64 {
	c.clockMu.Lock()
	defer c.clockMu.Unlock()
	return c.clock.host(board)
}

// Begin marks session time zero. Input edges from before it are not
// delivered.
func (c *Chamber) Begin() (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return time.Time{}, c.err
	}
	if c.begun.Load() {
		return time.Time{}, errors.New("serial: chamber already begun")
	}
	now := time.Now()
	c.t0.Store(int64(now.Sub(c.ref)))
	c.begun.Store(true)
	return now, nil
}

// Events delivers input edges in the board's order. Event.Seq follows the
// board's sequence numbers, so lost and dropped events both show as gaps.
func (c *Chamber) Events() <-chan hardware.Event { return c.events }

// Set switches a light, or the sync line (a barcode's edges; WithSyncSet),
// and returns the session time the board says it took effect.
func (c *Chamber) Set(o hardware.Output, on bool) (time.Duration, error) {
	switch {
	case o == hardware.Pellet:
		return 0, fmt.Errorf("serial: %v is pulsed, not set", o)
	case o == hardware.Sync && !c.cfg.syncSet:
		return 0, fmt.Errorf("serial: %v is only pulsed on %s (WithSyncSet: protocol 1.2)", o, c.name)
	}
	if n, ok := o.Stimulus(); (ok && n > c.board.Holes) || !o.Valid() || o == hardware.SyncCode {
		return 0, fmt.Errorf("serial: the board has no %v", o)
	}
	return c.command(Frame{Type: TypeSet, Output: o, On: on})
}

// Pulse delivers one pellet: the board holds the dispenser on for the
// pellet pulse, timing it itself. It returns the session time the pulse
// starts, which is later than now when a pulse is already under way (the
// board then starts this one after it and a gap as long).
func (c *Chamber) Pulse(o hardware.Output) (time.Duration, error) {
	switch {
	case o == hardware.Sync && c.cfg.sync == 0:
		return 0, fmt.Errorf("serial: %v is not configured on %s", o, c.name)
	case o == hardware.Sync:
		return c.command(Frame{Type: TypePulse, Output: o, Pulse: uint16(c.cfg.sync / time.Millisecond)})
	case o != hardware.Pellet:
		return 0, fmt.Errorf("serial: cannot pulse %v", o)
	}
	return c.command(Frame{Type: TypePulse, Output: o, Pulse: uint16(c.cfg.pellet / time.Millisecond)})
}

// Halt switches every output off and cancels pellet pulses under way and
// waiting. On a failed chamber it can only report the fault: the board
// then switches its outputs off by itself, 2 s after it last heard the
// host.
func (c *Chamber) Halt() error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil
	}
	_, err := c.command(Frame{Type: TypeHalt})
	return err
}

// Err reports the fault that closed Events, or ErrClosed after Close.
func (c *Chamber) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// fail records a fault and shuts the chamber down: Events closes, waiting
// commands return the fault.
func (c *Chamber) fail(err error) {
	c.mu.Lock()
	first := c.err == nil
	if first {
		c.err = err
	}
	c.mu.Unlock()
	if first {
		c.log.Error("serial: chamber failed", "err", err)
	}
	c.stop()
}

// stop ends the goroutines: closing the port wakes the reader.
func (c *Chamber) stop() {
	c.stopOnce.Do(func() {
		close(c.done)
		c.port.Close()
	})
}

// Close halts the board and releases the port.
func (c *Chamber) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	healthy := c.err == nil
	c.mu.Unlock()
	var err error
	if healthy {
		if _, err = c.command(Frame{Type: TypeHalt}); err != nil {
			err = fmt.Errorf("serial: halt before closing: %w", err)
		}
	}
	c.mu.Lock()
	if c.err == nil {
		c.err = ErrClosed
	}
	c.mu.Unlock()
	c.stop()
	<-c.readerDone
	<-c.heartDone
	select {
	case <-c.writerDone:
	case <-time.After(time.Second):
		// A write to a board that stopped reading blocks in the kernel
		// until the device goes away; the goroutine ends then.
		c.log.Warn("serial: a write to the board is still blocked after close")
	}
	return err
}

var _ hardware.Chamber = (*Chamber)(nil)
