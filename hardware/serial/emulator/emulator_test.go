package emulator

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial"
)

// dial opens the board's pty as a plain file and answers HELLO, returning
// a line reader and the file.
func dial(t *testing.T, path string) (*bufio.Reader, *os.File) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := makeRaw(int(f.Fd())); err != nil {
		t.Fatal(err)
	}
	return bufio.NewReader(f), f
}

// expect reads frames until one of type typ comes.
func expect(t *testing.T, r *bufio.Reader, typ serial.Type) serial.Frame {
	t.Helper()
	for range 50 {
		line, err := r.ReadBytes('\n')
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		f, err := serial.ParseFrame(line)
		if err != nil {
			t.Fatalf("board sent %q: %v", line, err)
		}
		if f.Type == typ {
			return f
		}
	}
	t.Fatalf("no %v", typ)
	return serial.Frame{}
}

func TestBoardSpeaksTheProtocol(t *testing.T) {
	b, err := New(WithHoles(7), WithFirmware("x-1"), WithClock(time.Second, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r, w := dial(t, b.Path())
	say := func(f serial.Frame) {
		if _, err := w.Write(f.Append(nil)); err != nil {
			t.Fatal(err)
		}
	}
	say(serial.Frame{Type: serial.TypeSet, ID: 1, Output: hardware.HouseLight, On: true})
	if f := expect(t, r, serial.TypeNak); f.Text != "nohello" {
		t.Errorf("a command before HELLO: %v", f)
	}
	say(serial.Frame{Type: serial.TypeHello, Version: serial.Protocol, Token: 0xBEEF})
	hi := expect(t, r, serial.TypeHi)
	if hi.Holes != 7 || hi.Token != 0xBEEF || hi.Text != "x-1" || hi.Version != serial.Protocol {
		t.Errorf("HI: %+v", hi)
	}
	say(serial.Frame{Type: serial.TypePing, ID: 9})
	if f := expect(t, r, serial.TypePong); f.ID != 9 || f.Time < 1_000_000 {
		t.Errorf("PONG: %+v", f)
	}
	set := serial.Frame{Type: serial.TypeSet, ID: 2, Output: hardware.Stimulus(7), On: true}
	say(set)
	ack := expect(t, r, serial.TypeAck)
	say(set) // a repeat is answered again, not executed again
	if again := expect(t, r, serial.TypeAck); again != ack || len(b.Outputs()) != 1 || !b.Lit(hardware.Stimulus(7)) {
		t.Errorf("repeat: %+v after %+v; outputs %+v", again, ack, b.Outputs())
	}
	say(serial.Frame{Type: serial.TypeSet, ID: 3, Output: hardware.Stimulus(8), On: true})
	if f := expect(t, r, serial.TypeNak); f.Text != "badout" {
		t.Errorf("a ninth hole on a seven-hole board: %v", f)
	}
	say(serial.Frame{Type: serial.TypePulse, ID: 4, Output: hardware.Pellet, Pulse: 40})
	p1 := expect(t, r, serial.TypeAck)
	say(serial.Frame{Type: serial.TypePulse, ID: 5, Output: hardware.Pellet, Pulse: 40})
	p2 := expect(t, r, serial.TypeAck)
	if gap := p2.Time - p1.Time; gap < 80_000 || gap > 85_000 {
		t.Errorf("a second pellet %d µs after the first, want 80 ms (pulse and gap)", gap)
	}
	b.After(0, hardware.Magazine, true)
	if f := expect(t, r, serial.TypeEvent); f.ID != 1 || f.Input != hardware.Magazine || !f.On {
		t.Errorf("EV: %+v", f)
	}
	if f := expect(t, r, serial.TypeBeat); f.ID != 1 || f.Token != 0xBEEF {
		t.Errorf("HB: %+v", f)
	}
	say(serial.Frame{Type: serial.TypeHalt, ID: 6})
	expect(t, r, serial.TypeAck)
	if b.Lit(hardware.Stimulus(7)) {
		t.Error("stimulus 7 on after HALT")
	}
	w.Write([]byte("garbage*00\n"))
	deadline := time.Now().Add(time.Second)
	for b.RxBad() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if b.RxBad() != 1 {
		t.Errorf("RxBad %d, want 1", b.RxBad())
	}
}

func TestClockWraps(t *testing.T) {
	b, err := New(WithClock(time.Duration(1<<32)*time.Microsecond-time.Millisecond, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := b.Clock(b.start.Add(2 * time.Millisecond)); got != 1000 {
		t.Errorf("2 ms after start the clock reads %d, want 1000 (wrapped)", got)
	}
}

func TestParseFault(t *testing.T) {
	for _, c := range []struct {
		in   string
		want fault
		ok   bool
	}{
		{"silence@30s", fault{kind: "silence", at: 30 * time.Second}, true},
		{"garbage@1s", fault{kind: "garbage", n: 10, at: time.Second}, true},
		{"corrupt:3@2s", fault{kind: "corrupt", n: 3, at: 2 * time.Second}, true},
		{"hangup@1m", fault{kind: "hangup", at: time.Minute}, true},
		{"melt@1s", fault{}, false},
		{"silence", fault{}, false},
		{"corrupt:0@1s", fault{}, false},
	} {
		got, err := parseFault(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("parseFault(%q) = %+v, %v", c.in, got, err)
		}
	}
}

func TestReadScript(t *testing.T) {
	path := filepath.Join(t.TempDir(), "script")
	os.WriteFile(path, []byte("# a poke\n1.5s hole3 entry\n\n1.6s hole3 release # and out\n2s magazine entry\n"), 0o644)
	steps, err := ReadScript(path)
	want := []Step{{1500 * time.Millisecond, hardware.Hole(3), true}, {1600 * time.Millisecond, hardware.Hole(3), false}, {2 * time.Second, hardware.Magazine, true}}
	if err != nil || len(steps) != len(want) {
		t.Fatalf("ReadScript: %v, %v", steps, err)
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Errorf("step %d: %+v, want %+v", i, steps[i], want[i])
		}
	}
	os.WriteFile(path, []byte("1s hole3 entry\nsoon hole3 release\n"), 0o644)
	if _, err := ReadScript(path); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("a bad line 2: %v", err)
	}
}

// chanWriter hands each write to a channel.
type chanWriter chan string

func (c chanWriter) Write(p []byte) (int, error) { c <- string(p); return len(p), nil }

// TestMain runs the command as the lead's cmd/fivechoice will: it prints
// the pty's path, a host can run a session against it, and it stops when
// its context ends.
func TestMainCommand(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "script")
	os.WriteFile(script, []byte("1s hole2 entry\n1.05s hole2 release\n"), 0o644)
	link := filepath.Join(dir, "board")
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chanWriter, 4)
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"-holes", "5", "-offset", "1s", "-drift-ppm", "50", "-script", script,
			"-respond", "50ms", "-link", link, "-fault", "hangup@3s"}, out, io.Discard)
	}()
	var path string
	select {
	case path = <-out:
	case err := <-done:
		t.Fatalf("Main: %v", err)
	}
	path = strings.TrimSpace(path)
	if target, err := os.Readlink(link); err != nil || target != path {
		t.Errorf("link %s → %q (%v), want %s", link, target, err, path)
	}
	c, err := serial.Open(link, serial.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(hardware.Stimulus(4), true); err != nil { // the responder pokes hole 4
		t.Fatal(err)
	}
	var got []hardware.Input
	for ev := range c.Events() {
		if ev.Entry {
			got = append(got, ev.Input)
		}
	}
	if len(got) != 2 || got[0] != hardware.Hole(4) || got[1] != hardware.Hole(2) {
		t.Errorf("entries %v, want hole4 (responder) then hole2 (script)", got)
	}
	if !errors.Is(c.Err(), serial.ErrDisconnected) {
		t.Errorf("after the hang-up fault: %v", c.Err())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Main: %v", err)
	}
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Errorf("link left behind: %v", err)
	}
	if err := Main(context.Background(), []string{"-fault", "melt@1s"}, io.Discard, io.Discard); err == nil {
		t.Error("Main accepted a bad fault")
	}
}
