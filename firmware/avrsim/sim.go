package avrsim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// Options configure an emulated board.
type Options struct {
	Board   Board
	ELF     string // the firmware (Kit.ELF)
	Harness string // the harness (Kit.Harness)
	// FreezeTimer stops the AVR's timer 0 whenever the firmware starts it:
	// micros() and millis() never advance, as on QEMU's AVR machines.
	FreezeTimer bool
	// Log receives the harness's own messages (simavr's warnings, a
	// crash); nil discards them.
	Log io.Writer
}

// A Change is a pin level: an output the firmware switched, or an input
// level the harness applied for the test.
type Change struct {
	Cycle  uint64 // the AVR cycle it happened at, from reset
	Pin    string // Arduino name ("D4"), or the port pin ("PD4") if it has none here
	Level  int
	Output bool
	Mono   int64 // an input's: CLOCK_MONOTONIC (ns) when the harness applied it
}

// Stats are the harness's figures at exit.
type Stats struct {
	Cycles uint64
	MaxLag time.Duration // the longest the harness woke up later than it meant to
	Slips  int           // times it fell over a second behind and skipped ahead
	// StackPeak is the deepest the stack went (bytes below the top of
	// SRAM); StackLeft is what was never touched between it and the end of
	// .data and .bss.
	StackPeak, StackLeft int
	// Realtime says the harness ran at real-time priority (SCHED_FIFO),
	// which keeps its pacing when the machine is busy.
	Realtime bool
}

// A Sim is the firmware running on an emulated board.
type Sim struct {
	board Board
	cmd   *exec.Cmd
	stdin io.WriteCloser
	path  string
	mono0 int64 // CLOCK_MONOTONIC at cycle 0, as paced at start
	baud  int

	wmu sync.Mutex // one command at a time on stdin

	mu      sync.Mutex
	changes []Change
	subs    []func(Change)
	timer   uint64 // the cycle timer 0 started at, +1 (0: not yet)
	stats   *Stats
	lags    []string
	slipped bool
	done    chan struct{}
}

// Start runs the firmware in the harness and returns once it has booted:
// its UART listens on the pty.
func Start(o Options) (*Sim, error) {
	args := []string{"-m", o.Board.MCU, "-f", strconv.FormatUint(o.Board.Hz, 10)}
	if o.FreezeTimer {
		args = append(args, "-freeze-timer")
	}
	cmd := exec.Command(o.Harness, append(args, o.ELF)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test
	cmd.Stderr = o.Log
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("avrsim: start the harness: %w", err)
	}
	s := &Sim{board: o.Board, cmd: cmd, stdin: stdin, done: make(chan struct{})}
	ready := make(chan error, 1)
	go s.read(bufio.NewScanner(stdout), ready)
	select {
	case err := <-ready:
		if err != nil {
			s.Kill()
			return nil, err
		}
	case <-time.After(10 * time.Second):
		s.Kill()
		return nil, errors.New("avrsim: the firmware did not start its UART within 10s")
	}
	return s, nil
}

// read parses the harness's reports until it exits.
func (s *Sim) read(sc *bufio.Scanner, ready chan<- error) {
	defer close(s.done)
	started := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "PTY":
			s.path = f[1]
		case "F":
			s.mono0, _ = strconv.ParseInt(f[2], 10, 64)
		case "U": // the firmware listens: the board has booted
			s.baud, _ = strconv.Atoi(f[2])
			if !started {
				started = true
				ready <- nil
			}
		case "T":
			c, _ := strconv.ParseUint(f[1], 10, 64)
			s.mu.Lock()
			s.timer = c + 1
			s.mu.Unlock()
		case "O", "I":
			s.change(f)
		case "LAG", "SLIP":
			s.mu.Lock()
			s.lags = append(s.lags, sc.Text())
			s.slipped = s.slipped || f[0] == "SLIP"
			s.mu.Unlock()
		case "STATS":
			s.setStats(f[1:])
		}
	}
	if !started {
		ready <- fmt.Errorf("avrsim: the harness exited before the firmware started its UART: %v", s.cmd.Wait())
	}
}

func (s *Sim) change(f []string) {
	if len(f) < 4 {
		return
	}
	c, _ := strconv.ParseUint(f[1], 10, 64)
	lvl, _ := strconv.Atoi(f[3])
	ch := Change{Cycle: c, Pin: s.board.arduinoPin(f[2]), Level: lvl, Output: f[0] == "O"}
	if len(f) > 4 {
		ch.Mono, _ = strconv.ParseInt(f[4], 10, 64)
	}
	s.mu.Lock()
	s.changes = append(s.changes, ch)
	subs := s.subs
	s.mu.Unlock()
	for _, fn := range subs {
		fn(ch)
	}
}

func (s *Sim) setStats(kv []string) {
	v := map[string]uint64{}
	for _, p := range kv {
		k, x, _ := strings.Cut(p, "=")
		v[k], _ = strconv.ParseUint(x, 10, 64)
	}
	st := &Stats{
		Cycles: v["cycles"], MaxLag: time.Duration(v["max_lag_ns"]), Slips: int(v["slips"]),
		StackPeak: int(v["ramend"]) - int(v["min_sp"]), StackLeft: int(v["min_sp"]) - int(v["static_end"]) + 1,
		Realtime: v["realtime"] == 1,
	}
	s.mu.Lock()
	s.stats = st
	s.mu.Unlock()
}

// Path is the pseudo-terminal: the board's serial port.
func (s *Sim) Path() string { return s.path }

// Baud is the line speed the firmware set (the UART's actual rate, which
// differs a little from the nominal one: 117647 for 115200 on a 16 MHz AVR).
func (s *Sim) Baud() int { return s.baud }

// Board is the board emulated.
func (s *Sim) Board() Board { return s.board }

// Set drives an input pin ("D4") to level: a beam is broken at
// BeamBroken. Levels sent together are applied at least 50 µs of board
// time apart.
func (s *Sim) Set(pin string, level int) error {
	port, err := s.board.Port(pin)
	if err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := fmt.Fprintf(s.stdin, "P %s %d\n", port, level); err != nil {
		return fmt.Errorf("avrsim: drive %s: %w", pin, err)
	}
	return nil
}

// Poke breaks a beam after a delay and restores it hold later, as an
// animal's nose poke or magazine entry. An error (the board was killed) is
// ignored: the animal pokes regardless.
func (s *Sim) Poke(in hardware.Input, after, hold time.Duration) error {
	pin, err := InputPin(in)
	if err != nil {
		return err
	}
	time.AfterFunc(after, func() {
		s.Set(pin, BeamBroken)
		time.AfterFunc(hold, func() { s.Set(pin, 1-BeamBroken) })
	})
	return nil
}

// Subscribe calls fn with every change from now on, in order, on the
// goroutine that reads the harness: fn must not block.
func (s *Sim) Subscribe(fn func(Change)) {
	s.mu.Lock()
	s.subs = append(s.subs, fn)
	s.mu.Unlock()
}

// Changes returns every change so far.
func (s *Sim) Changes() []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Change(nil), s.changes...)
}

// Level is an output pin's level, or -1 before the firmware set it.
func (s *Sim) Level(pin string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.changes) - 1; i >= 0; i-- {
		if c := s.changes[i]; c.Output && c.Pin == pin {
			return c.Level
		}
	}
	return -1
}

// Time is the board time of a cycle, from reset.
func (s *Sim) Time(cycle uint64) time.Duration {
	return time.Duration(cycle * 1000 / (s.board.Hz / 1_000_000))
}

// Micros is what the firmware's micros() reads at a cycle: Arduino's
// timer 0, prescaled by 64, counts 4 µs ticks at 16 MHz from the cycle the
// core started it. It is false before the timer started.
func (s *Sim) Micros(cycle uint64) (uint32, bool) {
	s.mu.Lock()
	t := s.timer
	s.mu.Unlock()
	if t == 0 || cycle < t-1 {
		return 0, false
	}
	ticks := (cycle - (t - 1)) / 64
	return uint32(ticks * 64 / (s.board.Hz / 1_000_000)), true
}

// Mono is CLOCK_MONOTONIC (ns) of a cycle as the harness paced it: exact
// unless the simulation ever fell so far behind that it skipped ahead
// (Slipped).
func (s *Sim) Mono(cycle uint64) int64 { return s.mono0 + int64(s.Time(cycle)) }

// Slipped says the simulation once fell over a second behind the wall
// clock and skipped ahead: the board's clock lost that time.
func (s *Sim) Slipped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slipped
}

// Lags are the harness's reports of falling more than 20 ms behind the
// wall clock (the machine stalled it; it caught up) or of skipping ahead.
func (s *Sim) Lags() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lags...)
}

// Kill ends the harness at once (kill -9): the board vanishes, as when a
// USB cable is pulled.
func (s *Sim) Kill() error {
	err := s.cmd.Process.Kill()
	<-s.done
	s.cmd.Wait()
	return err
}

// Close stops the harness and returns its figures.
func (s *Sim) Close() (Stats, error) {
	s.wmu.Lock()
	io.WriteString(s.stdin, "Q\n")
	s.stdin.Close()
	s.wmu.Unlock()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	err := s.cmd.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stats == nil {
		return Stats{}, fmt.Errorf("avrsim: the harness ended without its figures: %v", err)
	}
	return *s.stats, err
}
