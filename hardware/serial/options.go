package serial

import (
	"log/slog"
	"time"
)

// Defaults of the options.
const (
	DefaultBaudRate         = 115200
	DefaultHeartbeat        = 250 * time.Millisecond
	DefaultSilence          = time.Second
	DefaultHandshakeTimeout = 5 * time.Second
	DefaultCommandTimeout   = 200 * time.Millisecond
	DefaultCommandTries     = 3
	DefaultCorruptLimit     = 20
	DefaultCorruptWindow    = 10 * time.Second
	DefaultEventBuffer      = 1024
	DefaultPelletPulse      = 50 * time.Millisecond
)

// MaxPelletPulse is the longest pellet pulse a chamber accepts.
const MaxPelletPulse = time.Second

// config is a chamber's configuration, set by options.
type config struct {
	log          *slog.Logger
	baud         int
	beat         time.Duration
	silence      time.Duration
	handshake    time.Duration
	cmdTimeout   time.Duration
	cmdTries     int
	corruptLimit int
	corruptIn    time.Duration
	bufSize      int
	pellet       time.Duration
	sync         time.Duration // 0: no sync line
	syncSet      bool          // the sync line is also Set (protocol 1.2)
	minHoles     int
	nativeUSB    bool
}

func defaults() config {
	return config{
		log:          slog.Default(),
		baud:         DefaultBaudRate,
		beat:         DefaultHeartbeat,
		silence:      DefaultSilence,
		handshake:    DefaultHandshakeTimeout,
		cmdTimeout:   DefaultCommandTimeout,
		cmdTries:     DefaultCommandTries,
		corruptLimit: DefaultCorruptLimit,
		corruptIn:    DefaultCorruptWindow,
		bufSize:      DefaultEventBuffer,
		pellet:       DefaultPelletPulse,
		minHoles:     3,
	}
}

// An Option configures a chamber.
type Option func(*config)

// WithLogger sets where the chamber logs its handshake, lost events,
// corrupt frames, clock estimates and faults.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithBaudRate sets the line speed (default 115200; a USB CDC board
// ignores it).
func WithBaudRate(baud int) Option { return func(c *config) { c.baud = baud } }

// WithNativeUSB says the board talks USB itself (Leonardo, Micro, Teensy,
// SAMD boards; also the board emulator on a pseudo-terminal): a frame takes
// no time on a wire at the baud rate. By default the host assumes a UART
// between it and the board's processor (an Uno or a Mega behind their USB
// bridge, any USB-serial adapter), whose frames take 10 bit times per
// byte: a PONG is longer than its PING, so the round trip is asymmetric,
// and the clock samples are corrected for it (docs/serial-protocol.md).
func WithNativeUSB() Option { return func(c *config) { c.nativeUSB = true } }

// WithHeartbeat sets how often the host pings the board (each ping is
// also a clock sample) and how long a board may stay silent before the
// chamber fails. A silent board is noticed within silence + interval;
// the defaults (250ms, 1s) notice it within 1.25 s.
func WithHeartbeat(interval, silence time.Duration) Option {
	return func(c *config) { c.beat, c.silence = interval, silence }
}

// WithHandshakeTimeout sets how long Open waits for the board to answer
// HELLO (default 5s: an Arduino Uno resets when its port is opened, and
// its bootloader waits about 2 s before the firmware starts).
func WithHandshakeTimeout(d time.Duration) Option { return func(c *config) { c.handshake = d } }

// WithCommandTimeout sets how long Set, Pulse and Halt wait for the
// board's acknowledgement before sending the command again, and how many
// times in all they send it. The board executes a repeated command only
// once. A command never acknowledged fails the chamber.
func WithCommandTimeout(d time.Duration, tries int) Option {
	return func(c *config) { c.cmdTimeout, c.cmdTries = d, tries }
}

// WithCorruptLimit fails the chamber when more than n corrupt frames
// arrive within d (default 20 in 10 s). Fewer are counted and logged.
func WithCorruptLimit(n int, d time.Duration) Option {
	return func(c *config) { c.corruptLimit, c.corruptIn = n, d }
}

// WithEventBuffer sets how many input events may wait for the runner
// before further ones are dropped (and counted).
func WithEventBuffer(n int) Option { return func(c *config) { c.bufSize = n } }

// WithSyncPulse gives the chamber a sync line (the board's SYNC pin,
// protocol 1.1) pulsed for d (1ms to MaxPelletPulse) by Pulse(hardware.Sync).
func WithSyncPulse(d time.Duration) Option { return func(c *config) { c.sync = d } }

// WithSyncSet says the host will also switch the sync line with Set (the
// edges of a trial-number barcode), which boards of protocol 1.2 and later
// accept: an older board is refused at the handshake. It needs
// WithSyncPulse.
func WithSyncSet() Option { return func(c *config) { c.syncSet = true } }

// WithPelletPulse sets how long the board holds the pellet dispenser on
// for one pellet (default 50ms, at most 1s).
func WithPelletPulse(d time.Duration) Option { return func(c *config) { c.pellet = d } }

// WithMinHoles refuses a board with fewer than n holes (default 3, the
// least rule R1 allows).
func WithMinHoles(n int) Option { return func(c *config) { c.minHoles = n } }
