// Package hardware is the contract between the session runner and an operant
// chamber: the typed inputs and outputs of a five-choice box and the Chamber
// interface that every backend (gpio, serial, sim) implements. It holds no
// drivers, so the protocol and the controller can be reasoned about without
// any particular wiring.
package hardware

import (
	"fmt"
	"math"
	"time"
)

// MaxHoles is the largest number of nose-poke apertures a chamber may have
// (rule R1 allows 3 to 9).
const MaxHoles = 9

// Forever is a session time that never comes: the deadline of a wait that
// no timer ends, or the time of something that will not happen. It is
// defined once, here with the rest of the session-time vocabulary, so that
// the runner, the simulated chamber and the virtual rat mean the same
// instant by "never".
const Forever time.Duration = math.MaxInt64

// Chamber backends by name: the value of a chamber's backend key in the
// configuration and the backend recorded with each session. Defined once,
// here, since both the configuration and the stored sessions speak of them.
const (
	BackendSim    = "sim"
	BackendGPIO   = "gpio"
	BackendSerial = "serial"
)

// An Input is one beam of the chamber: a nose-poke hole (1..MaxHoles) or the
// food magazine. The zero Input is invalid, so a forgotten field never reads
// as a real beam.
type Input uint8

// Magazine is the food magazine's entry beam.
const Magazine Input = 100

// Hole returns the input of nose-poke hole n, numbered from 1 as on the
// chamber's panel.
func Hole(n int) Input { return Input(n) }

// Hole reports the hole number of a nose-poke input.
func (i Input) Hole() (int, bool) {
	if i >= 1 && i <= MaxHoles {
		return int(i), true
	}
	return 0, false
}

// Valid reports whether i names a hole or the magazine.
func (i Input) Valid() bool { _, ok := i.Hole(); return ok || i == Magazine }

func (i Input) String() string {
	if n, ok := i.Hole(); ok {
		return fmt.Sprintf("hole%d", n)
	}
	if i == Magazine {
		return "magazine"
	}
	return fmt.Sprintf("input(%d)", uint8(i))
}

// An Output is one thing the controller drives: a stimulus light (one per
// hole), the house light, the magazine light or the pellet dispenser.
type Output uint8

// The chamber-wide outputs. Stimulus lights are Stimulus(1..MaxHoles).
const (
	HouseLight    Output = 101
	MagazineLight Output = 102
	Pellet        Output = 103
	// Sync is the optional TTL line a lab connects to its video,
	// photometry or electrophysiology recorder: pulsed at session start
	// and at each stimulus onset, and recorded like every other output,
	// so that the recordings can be aligned with the task. It is also the
	// one pulsed output that may be Set: the edges of a trial-number
	// barcode after a pulse are switched by the runner at its deadlines.
	Sync Output = 104
	// SyncCode names, in the record only, the barcode's edges on the sync
	// line (the chamber is told Set(Sync, level)); kept apart from Sync so
	// that a `sync` event is always a pulse and a `sync_code` event always
	// a barcode edge.
	SyncCode Output = 105
)

// Pulsed reports whether o is pulsed (Chamber.Pulse) rather than switched
// (Sync is both: see Sync).
func (o Output) Pulsed() bool { return o == Pellet || o == Sync }

// Stimulus returns the stimulus light above hole n.
func Stimulus(n int) Output { return Output(n) }

// Stimulus reports the hole of a stimulus-light output.
func (o Output) Stimulus() (int, bool) {
	if o >= 1 && o <= MaxHoles {
		return int(o), true
	}
	return 0, false
}

// Valid reports whether o names a stimulus light, a light or the dispenser.
func (o Output) Valid() bool {
	_, ok := o.Stimulus()
	return ok || o == HouseLight || o == MagazineLight || o == Pellet || o == Sync || o == SyncCode
}

func (o Output) String() string {
	if n, ok := o.Stimulus(); ok {
		return fmt.Sprintf("stimulus%d", n)
	}
	switch o {
	case HouseLight:
		return "house_light"
	case MagazineLight:
		return "magazine_light"
	case Pellet:
		return "pellet"
	case Sync:
		return "sync"
	case SyncCode:
		return "sync_code"
	}
	return fmt.Sprintf("output(%d)", uint8(o))
}

// ParseInput reads the names String gives ("hole3", "magazine").
func ParseInput(s string) (Input, error) {
	if s == "magazine" {
		return Magazine, nil
	}
	var n int
	if _, err := fmt.Sscanf(s, "hole%d", &n); err == nil && n >= 1 && n <= MaxHoles {
		return Hole(n), nil
	}
	return 0, fmt.Errorf("unknown input %q", s)
}

// ParseOutput reads the names String gives ("stimulus3", "house_light").
func ParseOutput(s string) (Output, error) {
	switch s {
	case "house_light":
		return HouseLight, nil
	case "magazine_light":
		return MagazineLight, nil
	case "pellet":
		return Pellet, nil
	case "sync":
		return Sync, nil
	case "sync_code":
		return SyncCode, nil
	}
	var n int
	if _, err := fmt.Sscanf(s, "stimulus%d", &n); err == nil && n >= 1 && n <= MaxHoles {
		return Stimulus(n), nil
	}
	return 0, fmt.Errorf("unknown output %q", s)
}

// An Event is one input edge, timestamped as close to the source as the
// backend can (kernel edge timestamp, the I/O board's clock, virtual time),
// never when software happened to see it (rule R18).
type Event struct {
	Input Input
	Entry bool          // beam broken (true) or restored (false)
	At    time.Duration // session time: since the chamber's Begin
	Seq   uint64        // per chamber, from 1; a gap means events were lost
}

func (e Event) String() string {
	edge := "release"
	if e.Entry {
		edge = "entry"
	}
	return fmt.Sprintf("%s %s at %v (#%d)", e.Input, edge, e.At, e.Seq)
}

// A Chamber is one operant box. Events has a single reader; Set, Pulse and
// Halt may be called while it is being read.
//
// Times are session times: Begin fixes time zero on the chamber's own clock,
// and every Event.At and every time Set and Pulse return is measured from it.
type Chamber interface {
	// Begin marks session time zero and returns the wall-clock instant it
	// corresponds to (the zero time.Time for a chamber on virtual time).
	Begin() (time.Time, error)
	// Events delivers input edges in the order the hardware reported them.
	// It is closed when the chamber fails or is closed; Err then says why.
	Events() <-chan Event
	// Set switches a light and returns the session time it took effect.
	Set(o Output, on bool) (time.Duration, error)
	// Pulse fires a momentary output (the pellet dispenser: one pellet; the
	// sync line: one pulse, on chambers that have one) and returns the
	// session time it took effect.
	Pulse(o Output) (time.Duration, error)
	// Halt switches every output off. Runners defer it on every exit path.
	Halt() error
	// Err reports the fault that closed Events, or nil.
	Err() error
	// Close releases the hardware; the chamber is halted first.
	Close() error
}
