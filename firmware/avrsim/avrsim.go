// Package avrsim builds the reference firmware (firmware/fivechoice-board)
// for real AVR boards with Debian's toolchain and runs it on an emulated
// microcontroller: libsimavr, through firmware/simavr-harness, paced to the
// wall clock, its UART on a pseudo-terminal. A host opens the pty as the
// board's serial port; a test drives the board's input pins (the beams)
// and sees every output pin change with the CPU cycle it happened at.
//
// It exists for tests, which is why it knows testing.TB: the firmware's own
// host tests, hardware/serial's, and the daemon's end-to-end session on an
// emulated board all start boards here. It needs the Debian packages
// gcc-avr, avr-libc, arduino-core-avr, arduino-mk, libsimavr-dev,
// libelf-dev, pkg-config, make and a C compiler; Need skips a test without
// them, or fails it under CI=true.
package avrsim

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/hardware"
)

// A Board is an Arduino board the firmware is built for and emulated as.
type Board struct {
	Name string // the firmware Makefile's target: "uno", "mega"
	MCU  string // simavr's name for the microcontroller
	Hz   uint64 // its clock
	SRAM int    // bytes
	pins map[string]string
}

// Uno is the Arduino Uno: an ATmega328P at 16 MHz.
var Uno = Board{Name: "uno", MCU: "atmega328p", Hz: 16_000_000, SRAM: 2048, pins: unoPins()}

// Mega is the Arduino Mega 2560: an ATmega2560 at 16 MHz.
var Mega = Board{Name: "mega", MCU: "atmega2560", Hz: 16_000_000, SRAM: 8192, pins: megaPins()}

// Boards are the boards the firmware is built for.
var Boards = []Board{Uno, Mega}

func unoPins() map[string]string {
	m := map[string]string{}
	for i := range 8 {
		m[fmt.Sprintf("D%d", i)] = fmt.Sprintf("PD%d", i)
	}
	for i := range 6 {
		m[fmt.Sprintf("D%d", 8+i)] = fmt.Sprintf("PB%d", i)
		m[fmt.Sprintf("A%d", i)] = fmt.Sprintf("PC%d", i)
	}
	return m
}

// megaPins is the part of the Mega's pin table (variants/mega/pins_arduino.h)
// that a chamber's wiring uses: D2 to D13 and A0 to A7.
func megaPins() map[string]string {
	m := map[string]string{
		"D2": "PE4", "D3": "PE5", "D4": "PG5", "D5": "PE3", "D6": "PH3", "D7": "PH4",
		"D8": "PH5", "D9": "PH6", "D10": "PB4", "D11": "PB5", "D12": "PB6", "D13": "PB7",
	}
	for i := range 8 {
		m[fmt.Sprintf("A%d", i)] = fmt.Sprintf("PF%d", i)
	}
	return m
}

// Port is the AVR port pin ("PD4") of an Arduino pin ("D4", "A0").
func (b Board) Port(pin string) (string, error) {
	p, ok := b.pins[pin]
	if !ok {
		return "", fmt.Errorf("avrsim: the %s has no pin %q here", b.Name, pin)
	}
	return p, nil
}

// arduinoPin is the Arduino name of an AVR port pin, or the port pin itself.
func (b Board) arduinoPin(port string) string {
	for a, p := range b.pins {
		if p == port {
			return a
		}
	}
	return port
}

// The reference firmware's default wiring (the constants at the top of
// fivechoice-board.ino): beams on D2..D6 (holes 1..5) and D7 (magazine),
// stimulus lights on D8..D12, house light A0, magazine light A1, pellet
// dispenser A2, sync line A3. A beam's level is LOW when it is broken.
const sketchHoles = 5

// InputPin is the Arduino pin of a beam in the firmware's wiring.
func InputPin(in hardware.Input) (string, error) {
	if n, ok := in.Hole(); ok && n <= sketchHoles {
		return fmt.Sprintf("D%d", n+1), nil
	}
	if in == hardware.Magazine {
		return "D7", nil
	}
	return "", fmt.Errorf("avrsim: the firmware has no beam %v", in)
}

// OutputPin is the Arduino pin of an output in the firmware's wiring.
func OutputPin(o hardware.Output) (string, error) {
	if n, ok := o.Stimulus(); ok && n <= sketchHoles {
		return fmt.Sprintf("D%d", n+7), nil
	}
	switch o {
	case hardware.HouseLight:
		return "A0", nil
	case hardware.MagazineLight:
		return "A1", nil
	case hardware.Pellet:
		return "A2", nil
	case hardware.Sync, hardware.SyncCode: // the barcode's edges are on the sync line
		return "A3", nil
	}
	return "", fmt.Errorf("avrsim: the firmware has no output %v", o)
}

// OutputOf is the output wired to an Arduino pin, if any.
func OutputOf(pin string) (hardware.Output, bool) {
	for _, o := range []hardware.Output{hardware.HouseLight, hardware.MagazineLight, hardware.Pellet, hardware.Sync} {
		if p, _ := OutputPin(o); p == pin {
			return o, true
		}
	}
	for n := 1; n <= sketchHoles; n++ {
		if p, _ := OutputPin(hardware.Stimulus(n)); p == pin {
			return hardware.Stimulus(n), true
		}
	}
	return 0, false
}

// BeamBroken is the level of a beam's pin when the beam is broken.
const BeamBroken = 0

// firmwareDir is this repository's firmware/ directory, found from this
// file's own path (the tests run from the source tree).
func firmwareDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("avrsim: cannot locate the firmware sources")
	}
	dir := filepath.Dir(filepath.Dir(file))
	if _, err := os.Stat(filepath.Join(dir, "Makefile")); err != nil {
		return "", fmt.Errorf("avrsim: firmware sources: %w", err)
	}
	return dir, nil
}

// Available reports what is missing to build and emulate the firmware, or
// nil. Each missing piece is named with its Debian package.
func Available() error {
	var missing []string
	for _, t := range []struct{ cmd, pkg string }{
		{"make", "make"}, {"cc", "gcc"}, {"pkg-config", "pkg-config"},
		{"avr-gcc", "gcc-avr"}, {"avr-size", "binutils-avr"},
	} {
		if _, err := exec.LookPath(t.cmd); err != nil {
			missing = append(missing, fmt.Sprintf("%s (Debian package %s)", t.cmd, t.pkg))
		}
	}
	for _, f := range []struct{ path, pkg string }{
		{"/usr/share/arduino/Arduino.mk", "arduino-mk"},
		{"/usr/share/arduino/hardware/arduino/avr/cores/arduino/Arduino.h", "arduino-core-avr"},
		{"/usr/lib/avr/include/avr/io.h", "avr-libc"},
		{"/usr/include/simavr/sim_avr.h", "libsimavr-dev"},
		{"/usr/include/libelf.h", "libelf-dev"},
	} {
		if _, err := os.Stat(f.path); err != nil {
			missing = append(missing, fmt.Sprintf("%s (Debian package %s)", f.path, f.pkg))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("avrsim: cannot build or emulate the AVR firmware: missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// Need skips the test when the AVR toolchain or simavr is missing, saying
// what is, or fails it under CI=true, where everything must be installed.
func Need(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v; CI=true, so this is a failure (.ci/run installs them)", err)
		}
		t.Skipf("%v; .ci/run installs them", err)
	}
}

// StackMargin is the firmware Makefile's STACK_MARGIN: the bytes of SRAM
// that static data must leave to the stack. The tests check that the
// deepest stack the harness saw stays within it.
func StackMargin() (int, error) {
	src, err := firmwareDir()
	if err != nil {
		return 0, err
	}
	b, err := os.ReadFile(filepath.Join(src, "Makefile"))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "STACK_MARGIN ?= "); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, errors.New("avrsim: no STACK_MARGIN in firmware/Makefile")
}

// A Kit is the firmware built for every board, and the harness.
type Kit struct {
	Dir     string
	Harness string
	Sizes   string // the build's flash and RAM figures, one line per board
}

// ELF is the firmware built for board b.
func (k Kit) ELF(b Board) string { return filepath.Join(k.Dir, b.Name, "fivechoice-board.elf") }

// Build builds the firmware for every board and the harness into dir with
// firmware/Makefile (warnings as errors, the static RAM check).
func Build(dir string) (Kit, error) {
	src, err := firmwareDir()
	if err != nil {
		return Kit{}, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Kit{}, err
	}
	cmd := exec.Command("make", "--no-print-directory", "-C", src, "OUT="+abs)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return Kit{}, fmt.Errorf("avrsim: make -C %s: %w\n%s", src, err, out.String())
	}
	var sizes []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, ": flash ") {
			sizes = append(sizes, l)
		}
	}
	return Kit{Dir: abs, Harness: filepath.Join(abs, "simavr-harness"), Sizes: strings.Join(sizes, "\n")}, nil
}
