// Package config reads the daemon's configuration: which chambers it runs
// and how each is wired (simulated, GPIO or a serial I/O board), where the
// database is, where the API listens, the API token and logging.
//
// A configuration is refused whole at start-up when anything in it is
// wrong, and every problem is reported with the file, the line and the key
// (chambers[2].serial.port), because the person who reads the message is a
// lab's IT person at a Raspberry Pi, not the author of the file. The same
// checks back `fivechoice config check`, so a file can be checked before
// the daemon is restarted with it.
package config

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/gpio"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// Defaults of keys left out of a file, and of the built-in configuration.
const (
	DefaultListen   = "127.0.0.1:8750" // loopback: nothing outside the machine can reach it
	DefaultDatabase = "fivechoice.db"
	DefaultBaud     = 115200
	// DefaultSimChambers is how many simulated chambers the built-in
	// configuration runs: enough to try the API and the dashboard.
	DefaultSimChambers = 4
	// MaxSimSpeed bounds how much faster than the wall clock a simulated
	// chamber may run; beyond it a paced run is no different from virtual
	// time and only burns timers.
	MaxSimSpeed = 10000
	// MinTokenLen is the shortest API token accepted (characters).
	MinTokenLen = 16
)

// Config is the daemon's whole configuration.
type Config struct {
	// File is where the configuration came from; empty for the built-in
	// default. Relative paths in a file are relative to its directory.
	File string `yaml:"-"`

	Database string `yaml:"database"`
	Listen   string `yaml:"listen"`
	// Token is the API token that every mutating request must carry. In a
	// file it is given inline or, better, in TokenFile (so that the
	// configuration can be world-readable and the token not); after Load
	// it holds the token either way.
	Token     string `yaml:"token"`
	TokenFile string `yaml:"token_file"`
	// TokenSource says where Token came from, for the start-up log (which
	// never shows the token itself).
	TokenSource string `yaml:"-"`
	// Warnings are what Load found risky but not wrong (a token readable
	// by other users); the daemon logs them and config check prints them.
	Warnings []string `yaml:"-"`
	// tokenPath is where the token was read from (token_file, expanded).
	tokenPath string

	Log Log `yaml:"log"`
	// CommitInterval bounds how long a recorded event waits before it is
	// committed: at most this much is lost when the power goes.
	CommitInterval time.Duration `yaml:"commit_interval"`
	// CommitLagWarning is how far commits may lag behind the sessions
	// before the daemon warns (log, metric, /healthz degraded, the
	// chambers' view); sessions go on regardless.
	CommitLagWarning time.Duration `yaml:"commit_lag_warning"`
	// RealtimePriority is the SCHED_FIFO priority (1-99) the daemon asks
	// for at start-up, so that stimulus timing holds while other processes
	// keep every core busy (timing.SetRealtimePriority); 0 runs at normal
	// priority. Refused (no root, CAP_SYS_NICE or RLIMIT_RTPRIO), the
	// daemon logs a warning and runs at normal priority.
	RealtimePriority int `yaml:"realtime_priority"`
	// Hosts are the host names by which the API is reached besides its
	// addresses, localhost and the machine's own name: a request naming
	// any other host is refused (DNS rebinding; docs/daemon.md).
	Hosts []string `yaml:"hosts"`
	// NoResponseWarning is how long a running session's rat may go
	// without breaking a beam before its tile on the control-room page
	// says so (0: the page's default, docs/web.md).
	NoResponseWarning time.Duration `yaml:"no_response_warning"`

	Chambers []Chamber `yaml:"chambers"`
	// SimSeed draws the virtual rats of simulated chambers whose rats
	// learn (sim.learns): the same seed, the same cohort.
	SimSeed uint64 `yaml:"sim_seed"`
}

// Log configures the daemon's log (on standard error, for journald).
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn or error
	Format string `yaml:"format"` // text or json
}

// A Chamber is one operant box and how it is connected. Exactly one of
// Sim, Serial and GPIO is set, the one Backend names.
type Chamber struct {
	Name    string  `yaml:"name"`
	Backend string  `yaml:"backend"`
	Sim     *Sim    `yaml:"sim"`
	Serial  *Serial `yaml:"serial"`
	GPIO    *GPIO   `yaml:"gpio"`
	// InputLatency is how long after it happened an input can reach the
	// runner (USB latency for a serial board). At each deadline the runner
	// waits up to this long for inputs stamped before it, so that they are
	// scored by their hardware time (R18, R19), at the cost of carrying out
	// the transition up to this much later. 0, the default, does not wait.
	InputLatency time.Duration `yaml:"input_latency"`
	// Disabled keeps a chamber in the configuration (and in the API, as
	// disabled) without running anything on it or checking its hardware:
	// for a box under repair or a board sent away.
	Disabled bool `yaml:"disabled"`
	// Barcode, on a chamber with a sync line, follows each sync pulse
	// with the trial's number (Barcode).
	Barcode *Barcode `yaml:"barcode"`
}

// Sim is a simulated chamber with a virtual rat.
type Sim struct {
	Rat Rat `yaml:"rat"`
	// Speed runs the chamber this many times faster than the wall clock
	// (1, the default, is real time). Faster runs are for demonstrations:
	// they are paced virtual time, so their timer lateness is zero.
	Speed float64 `yaml:"speed"`
	// Sync gives the simulated chamber a sync line, pulsed and recorded as
	// a real one would be (to rehearse an alignment pipeline).
	Sync bool `yaml:"sync"`
	// Learns hosts each subject's own virtual rat, naive at first and
	// learning from that subject's stored sessions (rat.Learner), so that
	// training can be rehearsed through the daemon; rat then sets the
	// traits the rats tend to once trained. False: an already trained rat.
	Learns bool `yaml:"learns"`
}

// Rat overrides traits of the default virtual rat (rat.Default); a
// trait left out keeps its default, so a file can say just
// "impulsivity: 0.2" for an impulsive animal.
type Rat struct {
	Attention     *float64 `yaml:"attention"`
	Impulsivity   *float64 `yaml:"impulsivity"`
	Motivation    *float64 `yaml:"motivation"`
	Speed         *float64 `yaml:"speed"`
	Perseveration *float64 `yaml:"perseveration"`
}

// Params returns the rat's traits: the defaults with the overrides given.
func (r Rat) Params() rat.Traits {
	p := rat.Default()
	set := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.Attention, r.Attention)
	set(&p.Impulsivity, r.Impulsivity)
	set(&p.Motivation, r.Motivation)
	set(&p.Speed, r.Speed)
	set(&p.Perseveration, r.Perseveration)
	return p
}

// Serial is a chamber on a serial I/O board.
type Serial struct {
	Port string `yaml:"port"` // e.g. /dev/ttyUSB0 or /dev/serial/by-id/...
	Baud int    `yaml:"baud"` // default DefaultBaud
	// Sync pulses the board's SYNC pin (firmware protocol 1.1) for
	// SyncPulse at session start and every stimulus onset.
	Sync      bool          `yaml:"sync"`
	SyncPulse time.Duration `yaml:"sync_pulse"` // default DefaultSyncPulse
}

// DefaultSyncPulse is the sync pulse of a serial or simulated chamber
// (a GPIO wiring has its own default, the same).
const DefaultSyncPulse = 10 * time.Millisecond

// Default returns the built-in configuration: DefaultSimChambers simulated
// chambers (box1, box2, ...) with default virtual rats in real time, the
// database DefaultDatabase in the working directory, and the API on
// DefaultListen. It has no token: the caller supplies one (see
// GenerateToken).
func Default() *Config {
	c := &Config{
		Database:         DefaultDatabase,
		Listen:           DefaultListen,
		Log:              Log{Level: "info", Format: "text"},
		CommitInterval:   storage.DefaultCommitInterval,
		CommitLagWarning: storage.DefaultLagWarning,
		RealtimePriority: DefaultRealtimePriority,
	}
	for i := range DefaultSimChambers {
		c.Chambers = append(c.Chambers, Chamber{Name: fmt.Sprintf("box%d", i+1), Backend: hardware.BackendSim, Sim: &Sim{Speed: 1}})
	}
	return c
}

// SetSimLearns makes every simulated chamber host each subject's own
// learning virtual rat (the serve command's --sim-naive).
func (c *Config) SetSimLearns() {
	for i := range c.Chambers {
		if s := c.Chambers[i].Sim; s != nil {
			s.Learns = true
		}
	}
}

// SetSimSpeed makes every simulated chamber run speed times faster than the
// wall clock (the serve command's --sim-speed).
func (c *Config) SetSimSpeed(speed float64) error {
	if !(speed >= 1 && speed <= MaxSimSpeed) { // NaN fails too
		return fmt.Errorf("sim speed %v: want 1 (real time) to %d", speed, MaxSimSpeed)
	}
	for i := range c.Chambers {
		if s := c.Chambers[i].Sim; s != nil {
			s.Speed = speed
		}
	}
	return nil
}

// LogValue describes the configuration for the start-up log without the
// token.
func (c *Config) LogValue() slog.Value {
	names := make([]string, len(c.Chambers))
	for i, ch := range c.Chambers {
		names[i] = ch.Name + ":" + ch.Backend
	}
	file := c.File
	if file == "" {
		file = "(built-in default)"
	}
	return slog.GroupValue(
		slog.String("file", file),
		slog.String("database", c.Database),
		slog.String("listen", c.Listen),
		slog.String("token", c.TokenSource),
		slog.Duration("commit_interval", c.CommitInterval),
		slog.Duration("commit_lag_warning", c.CommitLagWarning),
		slog.Int("realtime_priority", c.RealtimePriority),
		slog.Any("chambers", names),
	)
}

// GPIOWiring is the wiring of a GPIO chamber (hardware/gpio), for callers
// that need it without the section's bookkeeping.
func (ch Chamber) GPIOWiring() gpio.Wiring {
	if ch.GPIO == nil {
		return gpio.Wiring{}
	}
	return ch.GPIO.Wiring
}

// ChamberNames returns the chambers' names, in the order configured.
func (c *Config) ChamberNames() []string {
	names := make([]string, len(c.Chambers))
	for i, ch := range c.Chambers {
		names[i] = ch.Name
	}
	return names
}
