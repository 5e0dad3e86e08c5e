// Package hosttest runs the reference firmware against the real serial
// backend on a pseudo-terminal, on two kinds of board:
//
//   - "stub": the sketch built with g++ for Linux against a stand-in for the
//     Arduino core (stub/): pins are an array, micros() is CLOCK_MONOTONIC.
//     It checks the firmware's logic and protocol quickly, with nothing but
//     a C++ compiler.
//   - "uno" and "mega": the sketch built by Debian's AVR toolchain and run
//     on an emulated ATmega328P and ATmega2560 (libsimavr, paced to the wall
//     clock; firmware/avrsim). It checks the same on the real machine code,
//     timer, UART and port registers, at the real baud rate.
//
// The same tests run on each: the handshake, outputs, the pellet pulse, the sync pulse,
// debounced and timestamped beam edges, a glitch dropped, the idempotent
// repeat of a command, a corrupt frame counted, and the host watchdog.
// The stub needs g++ and skips without it; the emulated boards need the
// AVR toolchain and simavr, and skip without them (fail under CI=true).
package hosttest

import (
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/firmware/avrsim"
)

// Pins of the sketch's default wiring, as Arduino names.
const (
	pinHole3  = "D4"
	pinStim3  = "D10"
	pinHouse  = "A0"
	pinPellet = "A2"
	pinSync   = "A3"
)

// A board is the firmware running somewhere, with its serial port on a pty.
type board interface {
	path() string
	// set drives an input pin; levels set together are applied a little
	// apart, so that a quick succession makes a glitch.
	set(pin string, level int)
	// writesTo is every level the firmware gave an output pin, with its
	// board time.
	writesTo(pin string) []write
}

// write is an output change the firmware made.
type write struct {
	at    time.Duration // board time
	level int
}

// level is an output pin's latest level, or -1.
func level(b board, pin string) int {
	ws := b.writesTo(pin)
	if len(ws) == 0 {
		return -1
	}
	return ws[len(ws)-1].level
}

// targets are the boards every test runs on.
var targets = []struct {
	name  string
	start func(t *testing.T) board
}{
	{"stub", startStub},
	{"uno", func(t *testing.T) board { return startAVR(t, avrsim.Uno, false) }},
	{"mega", func(t *testing.T) board { return startAVR(t, avrsim.Mega, false) }},
}

// buildDir and avrDir hold what the tests built, removed by TestMain.
var buildDir, avrDir string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range []string{buildDir, avrDir} {
		if d != "" {
			os.RemoveAll(d)
		}
	}
	os.Exit(code)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
