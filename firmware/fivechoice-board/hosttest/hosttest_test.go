// Package hosttest builds the reference firmware for the Linux host, against
// a stand-in for the Arduino core (stub/), and runs it on a pseudo-terminal
// against the real serial backend: the handshake, outputs, the pellet
// pulse, debounced and timestamped beam edges, the idempotent repeat of a
// command, and the host watchdog. It checks the firmware's logic and its
// protocol, not its timing on a microcontroller. It needs g++, and skips
// without it.
package hosttest

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial"
)

// Pins of the sketch's default configuration.
const (
	pinHole3  = 4
	pinStim3  = 10
	pinHouse  = 14
	pinPellet = 16
)

// board is the firmware running on the host.
type board struct {
	path string // the pty's slave, for the host
	ctl  io.Writer

	mu     sync.Mutex
	writes []write
}

// write is an output change the firmware made.
type write struct {
	micros     uint32
	pin, level int
}

func (b *board) set(pin, level int) {
	fmt.Fprintf(b.ctl, "P %d %d\n", pin, level)
}

func (b *board) level(pin int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := -1
	for _, w := range b.writes {
		if w.pin == pin {
			l = w.level
		}
	}
	return l
}

func (b *board) writesTo(pin int) []write {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ws []write
	for _, w := range b.writes {
		if w.pin == pin {
			ws = append(ws, w)
		}
	}
	return ws
}

// buildDir holds the firmware built for the host, removed by TestMain.
var buildDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// build compiles the sketch once per test binary.
var build = sync.OnceValues(func() (string, error) {
	gxx, err := exec.LookPath("g++")
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "fivechoice-board")
	if err != nil {
		return "", err
	}
	buildDir = dir
	bin := filepath.Join(dir, "board")
	out, err := exec.Command(gxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-O1", "-Istub",
		"-x", "c++", "../fivechoice-board.ino", "-x", "none", "stub/stub.cpp", "-o", bin).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("g++: %v\n%s", err, out)
	}
	return bin, nil
})

// start runs the firmware on a new pseudo-terminal.
func start(t *testing.T) *board {
	t.Helper()
	bin, err := build()
	if err != nil {
		if _, ok := err.(*exec.Error); ok {
			t.Skipf("no C++ compiler to build the firmware for the host: %v", err)
		}
		t.Fatal(err)
	}
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	raw(t, slave)
	ctlR, ctlW, _ := os.Pipe()
	logR, logW, _ := os.Pipe()
	cmd := exec.Command(bin)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = master, master, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // even if the test binary dies
	cmd.ExtraFiles = []*os.File{ctlR, logW}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	master.Close()
	ctlR.Close()
	logW.Close()
	b := &board{path: slave.Name(), ctl: ctlW}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(logR)
		for sc.Scan() {
			var w write
			if _, err := fmt.Sscanf(sc.Text(), "W %d %d %d", &w.micros, &w.pin, &w.level); err == nil {
				b.mu.Lock()
				b.writes = append(b.writes, w)
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		ctlW.Close()
		<-done
	})
	return b
}

func raw(t *testing.T, f *os.File) {
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag = tio.Cflag&^(unix.CSIZE|unix.PARENB) | unix.CS8
	if err := unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
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

func TestFirmwareWithTheHost(t *testing.T) {
	b := start(t)
	c, err := serial.Open(b.path, serial.WithLogger(quiet()))
	if err != nil {
		t.Fatalf("handshake with the firmware: %v", err)
	}
	defer c.Close()
	if info := c.Board(); info.Firmware != "fivechoice-board-1.0.0" || info.Holes != 5 || info.Protocol != serial.Protocol {
		t.Errorf("board: %+v", info)
	}
	start, err := c.Begin()
	if err != nil {
		t.Fatal(err)
	}
	// Outputs.
	if _, err := c.Set(hardware.Stimulus(3), true); err != nil {
		t.Fatal(err)
	}
	eventually(t, "stimulus 3 on", func() bool { return b.level(pinStim3) == 1 }) // the log pipe lags the ACK
	if _, err := c.Pulse(hardware.Pellet); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pellet pulse to end", func() bool { return len(b.writesTo(pinPellet)) >= 3 })
	ws := b.writesTo(pinPellet) // off at setup, on, off
	if n := len(ws); ws[n-2].level != 1 || ws[n-1].level != 0 {
		t.Fatalf("pellet pin: %+v", ws)
	}
	if d := ws[len(ws)-1].micros - ws[len(ws)-2].micros; d < 50_000 || d > 65_000 { // plus the loop's lateness
		t.Errorf("pellet pulse %d µs, want 50 ms", d)
	}

	// A beam edge is stamped by the board and mapped onto session time.
	broke := time.Since(start)
	b.set(pinHole3, 0)
	var ev hardware.Event
	select {
	case ev = <-c.Events():
	case <-time.After(2 * time.Second):
		t.Fatalf("no event (%v)", c.Err())
	}
	if ev.Input != hardware.Hole(3) || !ev.Entry || ev.Seq != 1 {
		t.Errorf("got %v, want hole3 entry #1", ev)
	}
	if d := ev.At - broke; d < -time.Millisecond || d > 20*time.Millisecond { // the loop runs when the OS lets it
		t.Errorf("entry at %v, the beam broke at %v", ev.At, broke)
	}
	// A glitch shorter than the debounce is no edge; the release is.
	b.set(pinHole3, 1)
	b.set(pinHole3, 0)
	b.set(pinHole3, 1)
	time.Sleep(50 * time.Millisecond)
	b.set(pinHole3, 0)
	time.Sleep(50 * time.Millisecond)
	b.set(pinHole3, 1)
	var got []string
	for len(got) < 2 {
		select {
		case ev := <-c.Events():
			got = append(got, ev.String())
		case <-time.After(2 * time.Second):
			t.Fatalf("events %v, then nothing (%v)", got, c.Err())
		}
	}
	if !strings.Contains(got[0], "release") || !strings.Contains(got[0], "#2") || !strings.Contains(got[1], "entry") {
		t.Errorf("after the glitch: %v, want release #2, entry #3", got)
	}

	if err := c.Halt(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "stimulus 3 off after Halt", func() bool { return b.level(pinStim3) == 0 })
	if s := c.Stats(); s.Lost+s.Corrupt+s.Retries+uint64(s.BoardRx) != 0 {
		t.Errorf("stats %+v", s)
	}
	t.Logf("clock: %+v", c.Clock())
}

// TestFirmwareFrames speaks to the firmware frame by frame: a repeated
// command is executed once, a corrupt frame is counted, and a silent host
// has every output switched off.
func TestFirmwareFrames(t *testing.T) {
	b := start(t)
	f, err := os.OpenFile(b.path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.SetReadDeadline(time.Now().Add(15 * time.Second)); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(f)
	say := func(fr serial.Frame) { f.Write(fr.Append(nil)) }
	expect := func(typ serial.Type) serial.Frame {
		t.Helper()
		for range 100 {
			line, err := r.ReadBytes('\n')
			if err != nil {
				t.Fatal(err)
			}
			fr, err := serial.ParseFrame(line)
			if err != nil {
				t.Fatalf("firmware sent %q: %v", line, err)
			}
			if fr.Type == typ {
				return fr
			}
		}
		t.Fatalf("no %v", typ)
		return serial.Frame{}
	}
	say(serial.Frame{Type: serial.TypeHello, Version: serial.Protocol, Token: 0x1234})
	expect(serial.TypeHi)
	set := serial.Frame{Type: serial.TypeSet, ID: 7, Output: hardware.HouseLight, On: true}
	say(set)
	a1 := expect(serial.TypeAck)
	say(set)
	a2 := expect(serial.TypeAck)
	eventually(t, "the house light on", func() bool { return b.level(pinHouse) == 1 })
	if a2 != a1 || len(b.writesTo(pinHouse)) != 2 { // off at setup, on once
		t.Errorf("repeat: %+v after %+v; house light writes %+v", a2, a1, b.writesTo(pinHouse))
	}
	say(serial.Frame{Type: serial.TypeSet, ID: 8, Output: hardware.Stimulus(6), On: true})
	if nak := expect(serial.TypeNak); nak.ID != 8 || nak.Text != "badout" {
		t.Errorf("stimulus 6 of 5: %+v", nak)
	}
	f.Write([]byte("SET 9 HOUSE 0*00\n"))
	hb := expect(serial.TypeBeat) // perhaps sent before the board read the corrupt frame
	if hb.Count == 0 {
		hb = expect(serial.TypeBeat)
	}
	if hb.Count != 1 || hb.Token != 0x1234 {
		t.Errorf("heartbeat %+v, want 1 corrupt frame and the token", hb)
	}
	// Silence from the host: after 2 s, outputs off and BYE.
	if bye := expect(serial.TypeBye); bye.Text != "hostsilent" {
		t.Errorf("BYE %+v", bye)
	}
	eventually(t, "the house light off after the host went silent", func() bool { return b.level(pinHouse) == 0 })
	if hb := expect(serial.TypeBeat); hb.Token != 0 {
		t.Errorf("heartbeat after leaving the session: %+v", hb)
	}
}
