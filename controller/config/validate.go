package config

import (
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// Limits of the commit interval: shorter commits wear an SD card for
// nothing; longer ones lose more of a session when the power goes.
const (
	MinCommitInterval = time.Millisecond
	MaxCommitInterval = 10 * time.Second
	// MaxCommitLagWarning bounds commit_lag_warning: a warning later than
	// this would come after a lab has lost more than it can afford.
	MaxCommitLagWarning = 10 * time.Minute
)

// MaxInputLatency bounds a chamber's input_latency: every transition may be
// delayed by that much, so more than this is a misconfiguration.
const MaxInputLatency = 100 * time.Millisecond

// DefaultRealtimePriority is the SCHED_FIFO priority the daemon asks for:
// above every normal process, below the kernel's threaded interrupt
// handlers (50), so a busy disk or network interface is still served.
const DefaultRealtimePriority = 10

// validName is what a chamber may be called: it appears in URLs, metric
// labels and file names.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// checker collects a file's problems.
type checker struct {
	c    *Config
	idx  *index
	errs []error
}

func (k *checker) bad(path, format string, a ...any) {
	k.errs = append(k.errs, &Error{File: k.c.File, Line: k.idx.line(path), Key: path, Msg: fmt.Sprintf(format, a...)})
}

// check fills in defaults and refuses what cannot run. idx places each
// problem in the file. Without token, the API token is not checked (nor
// read from its file).
func (c *Config) check(idx *index, token bool) []error {
	k := &checker{c: c, idx: idx}
	dir := filepath.Dir(c.File)
	if c.Database == "" {
		c.Database = DefaultDatabase
	}
	c.Database = under(dir, c.Database)
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if err := checkListen(c.Listen); err != nil {
		k.bad("listen", "%v", err)
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		k.bad("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		k.bad("log.format", "want text or json, got %q", c.Log.Format)
	}
	switch {
	case !idx.has("commit_interval"):
		c.CommitInterval = Default().CommitInterval
	case c.CommitInterval < MinCommitInterval || c.CommitInterval > MaxCommitInterval:
		k.bad("commit_interval", "want %v to %v, got %v", MinCommitInterval, MaxCommitInterval, c.CommitInterval)
	}
	switch {
	case !idx.has("commit_lag_warning"):
		c.CommitLagWarning = Default().CommitLagWarning
	case c.CommitLagWarning <= c.CommitInterval || c.CommitLagWarning > MaxCommitLagWarning:
		k.bad("commit_lag_warning", "want more than commit_interval (%v) and at most %v, got %v", c.CommitInterval, MaxCommitLagWarning, c.CommitLagWarning)
	}
	switch {
	case !idx.has("realtime_priority"):
		c.RealtimePriority = DefaultRealtimePriority
	case c.RealtimePriority < 0 || c.RealtimePriority > 99:
		k.bad("realtime_priority", "want 0 (normal priority) or a SCHED_FIFO priority 1 to 99, got %d", c.RealtimePriority)
	}
	if idx.has("no_response_warning") && (c.NoResponseWarning < time.Second || c.NoResponseWarning > time.Hour) {
		k.bad("no_response_warning", "want 1s to 1h, got %v", c.NoResponseWarning)
	}
	for i, h := range c.Hosts {
		if !hostName.MatchString(h) {
			k.bad(fmt.Sprintf("hosts[%d]", i), "want a host name (letters, digits, '-' and '.'), got %q", h)
		}
	}
	if token {
		k.token(dir)
	}
	k.chambers()
	return k.errs
}

// hostName is a DNS name: labels of letters, digits and '-', dot-separated.
var hostName = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$`)

// under resolves a relative path against the configuration's directory,
// so a daemon started from anywhere finds the same files.
func under(dir, p string) string {
	if p == ":memory:" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// checkListen refuses an address the API cannot listen on.
func checkListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port such as %s, got %q", DefaultListen, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q: want 0 to 65535", port)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("host %q: want an IP address or a host name", host)
	}
	return nil
}

// chambers checks each chamber and the hardware they share: no name, GPIO
// line or serial port may be used twice.
func (k *checker) chambers() {
	c := k.c
	if len(c.Chambers) == 0 {
		k.bad("chambers", "missing: at least one chamber is needed")
		return
	}
	names := map[string]string{}    // name → path
	ports := map[string]string{}    // serial port → path
	lines := map[[2]string]string{} // chip, line (offset or name) → path
	for i := range c.Chambers {
		ch := &c.Chambers[i]
		p := fmt.Sprintf("chambers[%d]", i)
		switch {
		case ch.Name == "":
			k.bad(p+".name", "missing")
		case !validName.MatchString(ch.Name):
			k.bad(p+".name", "%q: use letters, digits, '_', '-' and '.', up to 64, starting with a letter or digit", ch.Name)
		case names[ch.Name] != "":
			k.bad(p+".name", "%q is also the name of %s (line %d)", ch.Name, names[ch.Name], k.idx.line(names[ch.Name]+".name"))
		default:
			names[ch.Name] = p
		}
		sections := map[string]bool{hardware.BackendSim: ch.Sim != nil, hardware.BackendSerial: ch.Serial != nil, hardware.BackendGPIO: ch.GPIO != nil}
		switch ch.Backend {
		case "":
			k.bad(p+".backend", "missing: want sim, gpio or serial")
		case hardware.BackendSim, hardware.BackendGPIO, hardware.BackendSerial:
			if !sections[ch.Backend] && ch.Backend != hardware.BackendSim {
				k.bad(p+"."+ch.Backend, "missing: a %s chamber needs its %s section", ch.Backend, ch.Backend)
			}
		default:
			k.bad(p+".backend", "want sim, gpio or serial, got %q", ch.Backend)
		}
		known := ch.Backend == hardware.BackendSim || ch.Backend == hardware.BackendGPIO || ch.Backend == hardware.BackendSerial
		for _, s := range []string{hardware.BackendSim, hardware.BackendSerial, hardware.BackendGPIO} {
			if known && sections[s] && s != ch.Backend {
				k.bad(p+"."+s, "given, but the chamber's backend is %q", ch.Backend)
			}
		}
		if ch.InputLatency < 0 || ch.InputLatency > MaxInputLatency {
			k.bad(p+".input_latency", "want 0 to %v, got %v", MaxInputLatency, ch.InputLatency)
		}
		switch ch.Backend {
		case hardware.BackendSim:
			if ch.Sim == nil {
				ch.Sim = &Sim{}
			}
			k.sim(p+".sim", ch.Sim)
		case hardware.BackendSerial:
			if ch.Serial != nil {
				k.serial(p+".serial", ch.Serial, ports)
			}
		case hardware.BackendGPIO:
			if ch.GPIO != nil {
				k.gpio(p+".gpio", ch.GPIO, lines)
			}
		}
		k.barcode(p, ch)
	}
}

func (k *checker) sim(p string, s *Sim) {
	switch {
	case !k.idx.has(p + ".speed"):
		s.Speed = 1
	case !(s.Speed >= 1 && s.Speed <= MaxSimSpeed): // NaN fails too
		k.bad(p+".speed", "want 1 (real time) to %d, got %v", MaxSimSpeed, s.Speed)
	}
	ratio := func(key string, v *float64) {
		if v != nil && !(*v >= 0 && *v <= 1) { // NaN fails too
			k.bad(p+".rat."+key, "a probability: want 0 to 1, got %v", *v)
		}
	}
	ratio("attention", s.Rat.Attention)
	ratio("motivation", s.Rat.Motivation)
	ratio("perseveration", s.Rat.Perseveration)
	if v := s.Rat.Impulsivity; v != nil && !(*v >= 0 && *v <= 10) {
		k.bad(p+".rat.impulsivity", "a hazard per second: want 0 to 10, got %v", *v)
	}
	if v := s.Rat.Speed; v != nil && !(*v > 0 && *v <= 10) {
		k.bad(p+".rat.speed", "a latency scale: want more than 0, up to 10, got %v", *v)
	}
}

func (k *checker) serial(p string, s *Serial, ports map[string]string) {
	if s.Port == "" {
		k.bad(p+".port", "missing: the board's device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/...")
	} else {
		dev := canonicalPort(s.Port)
		if other, dup := ports[dev]; dup {
			k.bad(p+".port", "%s is also %s's port (line %d)", s.Port, parent(other), k.idx.line(other))
		} else {
			ports[dev] = p + ".port"
		}
	}
	switch {
	case !k.idx.has(p + ".baud"):
		s.Baud = DefaultBaud
	case s.Baud <= 0 || s.Baud > 4_000_000:
		k.bad(p+".baud", "want a baud rate such as 115200, got %d", s.Baud)
	}
	switch {
	case !s.Sync && k.idx.has(p+".sync_pulse"):
		k.bad(p+".sync_pulse", "goes with sync: true")
	case s.Sync && !k.idx.has(p+".sync_pulse"):
		s.SyncPulse = DefaultSyncPulse
	case s.Sync && (s.SyncPulse < time.Millisecond || s.SyncPulse > time.Second):
		k.bad(p+".sync_pulse", "want 1ms to 1s, got %v", s.SyncPulse)
	}
}

// canonicalPort names a serial device so that two spellings of one board
// (a /dev/serial/by-id link and the tty it points to) compare equal.
func canonicalPort(port string) string {
	if real, err := filepath.EvalSymlinks(port); err == nil {
		return real
	}
	return filepath.Clean(port)
}

func (k *checker) gpio(p string, g *GPIO, used map[[2]string]string) {
	if g.err != nil {
		k.errs = append(k.errs, k.c.gpioErrors(k.idx, p, g.err)...)
		return
	}
	if err := g.Wiring.Validate(); err != nil {
		k.errs = append(k.errs, k.c.gpioErrors(k.idx, p, err)...)
		return
	}
	chip := gpioChip(g.Wiring)
	for _, l := range gpioLines(g.Wiring) {
		at := [2]string{chip, l.key()}
		if other, dup := used[at]; dup {
			k.bad(p+"."+l.path, "%s line %s is also %s (line %d)", chip, l.line, other, k.idx.line(other))
			continue
		}
		used[at] = p + "." + l.path
	}
}
