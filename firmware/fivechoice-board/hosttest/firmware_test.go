package hosttest

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial"
)

func TestFirmwareWithTheHost(t *testing.T) {
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) { withTheHost(t, tg.start(t)) })
	}
}

func withTheHost(t *testing.T, b board) {
	c, err := serial.Open(b.path(), serial.WithLogger(quiet()), serial.WithSyncPulse(10*time.Millisecond), serial.WithSyncSet())
	if err != nil {
		t.Fatalf("handshake with the firmware: %v", err)
	}
	defer c.Close()
	if info := c.Board(); info.Firmware != "fivechoice-board-1.2.0" || info.Holes != 5 || info.Protocol != serial.Protocol {
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
	eventually(t, "stimulus 3 on", func() bool { return level(b, pinStim3) == 1 }) // the pin's report lags the ACK
	if _, err := c.Pulse(hardware.Pellet); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pellet pulse to end", func() bool { return len(b.writesTo(pinPellet)) >= 3 })
	ws := b.writesTo(pinPellet) // off at setup, on, off
	if n := len(ws); ws[n-2].level != 1 || ws[n-1].level != 0 {
		t.Fatalf("pellet pin: %+v", ws)
	}
	if d := ws[len(ws)-1].at - ws[len(ws)-2].at; d < 50*time.Millisecond || d > 65*time.Millisecond { // plus the loop's lateness
		t.Errorf("pellet pulse %v, want 50 ms", d)
	}
	checkSyncPin(t, b, c)
	checkSyncSet(t, b, c)

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
	eventually(t, "stimulus 3 off after Halt", func() bool { return level(b, pinStim3) == 0 })
	if s := c.Stats(); s.Lost+s.Corrupt+s.Retries+uint64(s.BoardRx) != 0 {
		t.Errorf("stats %+v", s)
	}
	t.Logf("clock: %+v", c.Clock())
}

// TestFirmwareFrames speaks to the firmware frame by frame: a repeated
// command is executed once, a corrupt frame is counted, and a silent host
// has every output switched off.
func TestFirmwareFrames(t *testing.T) {
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) { frames(t, tg.start(t)) })
	}
}

func frames(t *testing.T, b board) {
	f, err := os.OpenFile(b.path(), os.O_RDWR, 0)
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
	eventually(t, "the house light on", func() bool { return level(b, pinHouse) == 1 })
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
	eventually(t, "the house light off after the host went silent", func() bool { return level(b, pinHouse) == 0 })
	if hb := expect(serial.TypeBeat); hb.Token != 0 {
		t.Errorf("heartbeat after leaving the session: %+v", hb)
	}
}

// checkSyncPin: the sync line (protocol 1.1) goes high at the time the
// board acknowledges and low 10 ms later on the board's clock.
func checkSyncPin(t *testing.T, b board, c *serial.Chamber) {
	t.Helper()
	if _, err := c.Pulse(hardware.Sync); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the sync pulse to end", func() bool { return len(b.writesTo(pinSync)) >= 3 })
	ws := b.writesTo(pinSync)
	if n := len(ws); ws[n-2].level != 1 || ws[n-1].level != 0 {
		t.Fatalf("sync pin: %+v", ws)
	}
	if d := ws[len(ws)-1].at - ws[len(ws)-2].at; d < 10*time.Millisecond || d > 15*time.Millisecond {
		t.Errorf("sync pulse %v, want 10 ms", d)
	}
}

// checkSyncSet: SET SYNC (protocol 1.2, a barcode's edges) holds the line
// at the level set, and takes it over from a pulse under way, whose end no
// longer lowers it.
func checkSyncSet(t *testing.T, b board, c *serial.Chamber) {
	t.Helper()
	if _, err := c.Pulse(hardware.Sync); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(hardware.Sync, true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(40 * time.Millisecond) // past the pulse's end, 10 ms after it began
	if level(b, pinSync) != 1 {
		t.Error("sync low after SET SYNC 1: the pulse's end lowered it")
	}
	if _, err := c.Set(hardware.Sync, false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "sync low after SET SYNC 0", func() bool { return level(b, pinSync) == 0 })
}
