package serial_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial"
	"github.com/fivechoice/fivechoice/hardware/serial/emulator"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
)

// A fault must end the serial chamber's session within this long; the
// heartbeat's silence limit (1 s) and interval (250ms) give 1.25 s at
// worst for a silent board.
const detectWithin = 2 * time.Second

// runBesideSim runs a session on c and, at the same time, one on a
// simulated chamber whose script finishes normally in about 2.2 s (an
// initiation, then three omissions of 700ms). inject is called 300ms into the
// sessions. It returns both results and how long after the fault the
// serial session ended.
func runBesideSim(t *testing.T, c hardware.Chamber, inject func()) (serialRes, simRes controller.Result, after time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	neighbour := sim.NewRealtime(sim.Script{
		{At: 100 * time.Millisecond, Input: hardware.Magazine, Entry: true},
		{At: 150 * time.Millisecond, Input: hardware.Magazine},
	})
	defer neighbour.Close()
	simDone := make(chan controller.Result, 1)
	go func() {
		p := shortParams()
		p.ITI, p.StimulusDuration, p.LimitedHold, p.Timeout = ms(200), ms(100), ms(200), ms(200)
		res, err := controller.Run(ctx, controller.Setup{Protocol: newSession(t, p), Chamber: neighbour})
		if err != nil {
			res.Err = err
		}
		simDone <- res
	}()
	faultAt := make(chan time.Time, 1)
	timer := time.AfterFunc(300*time.Millisecond, func() {
		faultAt <- time.Now()
		inject()
	})
	defer timer.Stop()
	serialRes, err := controller.Run(ctx, controller.Setup{Protocol: newSession(t, shortParams()), Chamber: c})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	ended := time.Now()
	select {
	case at := <-faultAt:
		after = ended.Sub(at)
	default:
		t.Fatalf("the serial session ended (%q, %v) before the fault", serialRes.EndReason, serialRes.Err)
	}
	simRes = <-simDone
	return serialRes, simRes, after
}

func ms(n int) protocols.Duration { return protocols.Duration(time.Duration(n) * time.Millisecond) }

func TestFaultsEndOnlyTheirSession(t *testing.T) {
	for _, c := range []struct {
		name   string
		inject func(b *emulator.Board)
		want   error
		says   string
	}{
		{"unplugged", (*emulator.Board).HangUp, serial.ErrDisconnected, "unplugged"},
		{"silent", func(b *emulator.Board) { b.Silence(true) }, serial.ErrSilent, "nothing received"},
		{"garbage flood", func(b *emulator.Board) { b.Flood(true) }, serial.ErrGarbage, "more than 20"},
		{"corrupt checksums", func(b *emulator.Board) { b.CorruptNext(1000) }, serial.ErrGarbage, "only corrupt frames"},
		{"board restarted", (*emulator.Board).Reset, serial.ErrLeft, "restarted"},
		{"host stalled", func(b *emulator.Board) { b.HostTimeout(100 * time.Millisecond) }, serial.ErrLeft, "heard nothing from the host"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBoard(t)
			ch := open(t, b)
			res, simRes, after := runBesideSim(t, ch, func() { c.inject(b) })
			if res.EndReason != protocols.EndAborted || !errors.Is(res.Err, c.want) {
				t.Errorf("serial session ended %q (%v), want %q with %v", res.EndReason, res.Err, protocols.EndAborted, c.want)
			}
			if res.Err != nil && !strings.Contains(res.Err.Error(), c.says) {
				t.Errorf("error %q does not say %q", res.Err, c.says)
			}
			if after > detectWithin {
				t.Errorf("the serial session ended %v after the fault, want within %v", after, detectWithin)
			}
			if !errors.Is(ch.Err(), c.want) {
				t.Errorf("chamber Err() = %v", ch.Err())
			}
			if _, ok := <-ch.Events(); ok {
				t.Error("Events still open after the fault")
			}
			if simRes.Err != nil || simRes.EndReason != protocols.EndMaxTrials {
				t.Errorf("the simulated chamber's session ended %q (%v), want %q", simRes.EndReason, simRes.Err, protocols.EndMaxTrials)
			}
			t.Logf("ended %v after the fault: %v", after.Round(time.Millisecond), res.Err)
		})
	}
}

func TestVersionAtHandshake(t *testing.T) {
	for _, c := range []struct {
		version serial.Version
		ok      bool
	}{
		{serial.Version{Major: 1, Minor: 0}, true},
		{serial.Version{Major: 1, Minor: 9}, true}, // a later minor version only adds
		{serial.Version{Major: 2, Minor: 0}, false},
		{serial.Version{Major: 0, Minor: 9}, false},
	} {
		t.Run(c.version.String(), func(t *testing.T) {
			b := newBoard(t, emulator.WithProtocol(c.version), emulator.WithFirmware("fw-9.9.9"))
			ch, err := serial.Open(b.Path(), serial.WithLogger(testLogger(t)))
			if c.ok {
				if err != nil {
					t.Fatalf("refused protocol %v: %v", c.version, err)
				}
				ch.Close()
				return
			}
			if err == nil {
				ch.Close()
				t.Fatalf("accepted protocol %v", c.version)
			}
			if !errors.Is(err, serial.ErrVersion) || !strings.Contains(err.Error(), c.version.String()) || !strings.Contains(err.Error(), "fw-9.9.9") {
				t.Errorf("error %q: want ErrVersion naming the board's protocol and firmware", err)
			}
			t.Log(err)
		})
	}
}

func TestHandshakeRefusals(t *testing.T) {
	t.Run("no answer", func(t *testing.T) {
		b := newBoard(t)
		b.Silence(true)
		_, err := serial.Open(b.Path(), serial.WithLogger(testLogger(t)), serial.WithHandshakeTimeout(600*time.Millisecond))
		if !errors.Is(err, serial.ErrHandshake) {
			t.Errorf("got %v, want ErrHandshake", err)
		}
		t.Log(err)
	})
	t.Run("too few holes", func(t *testing.T) {
		b := newBoard(t, emulator.WithHoles(5))
		_, err := serial.Open(b.Path(), serial.WithLogger(testLogger(t)), serial.WithMinHoles(9))
		if !errors.Is(err, serial.ErrHandshake) || !strings.Contains(err.Error(), "5 holes") {
			t.Errorf("got %v, want ErrHandshake about 5 holes", err)
		}
	})
	// A board that answers with a clock that does not advance (QEMU's AVR)
	// or runs far off the host's is refused, naming the port and what
	// its PONGs said.
	for _, c := range []struct {
		name string
		opt  emulator.Option
		want string
	}{
		{"frozen clock", emulator.WithFrozenClock(), "does not advance: "},
		{"clock 10% slow", emulator.WithClock(0, -99000), "% of the rate"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBoard(t, c.opt)
			_, err := serial.Open(b.Path(), serial.WithLogger(testLogger(t)))
			if !errors.Is(err, serial.ErrClock) || !strings.Contains(err.Error(), b.Path()) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want ErrClock on %s saying %q", err, b.Path(), c.want)
			}
			t.Log(err)
		})
	}
	t.Run("no such port", func(t *testing.T) {
		_, err := serial.Open("/dev/fivechoice-no-such-port")
		if err == nil || !strings.Contains(err.Error(), "/dev/fivechoice-no-such-port") {
			t.Errorf("got %v", err)
		}
	})
}

// TestCorruptFramesCounted checks that a few corrupt frames are counted and
// survived, and that an acknowledgement lost to corruption is recovered by
// sending the command again, which the board executes once.
func TestCorruptFramesCounted(t *testing.T) {
	// No heartbeat traffic, so the corrupted frame is the ACK.
	b := newBoard(t, emulator.WithHeartbeat(time.Hour), emulator.WithHostTimeout(time.Hour))
	c := open(t, b, serial.WithHeartbeat(time.Hour, 2*time.Hour))
	start, err := c.Begin()
	if err != nil {
		t.Fatal(err)
	}
	b.Garbage(3)
	b.CorruptNext(1)
	at, err := c.Set(hardware.HouseLight, true)
	if err != nil {
		t.Fatalf("Set: %v", err)
	}
	outs := b.Outputs()
	if len(outs) != 1 || outs[0].Output != hardware.HouseLight {
		t.Fatalf("board switched %+v, want the house light once", outs)
	}
	if d := at - outs[0].Host.Sub(start); d.Abs() > timeTolerance {
		t.Errorf("Set returned %v, the board switched at %v", at, outs[0].Host.Sub(start))
	}
	s := c.Stats()
	if s.Corrupt != 4 || s.Retries != 1 || c.Err() != nil {
		t.Errorf("stats %+v, err %v; want 4 corrupt frames, 1 retry, no fault", s, c.Err())
	}
}

// TestLostEventCounted checks that an event lost to corruption is counted
// when the heartbeat announces it, and shows as a gap in Event.Seq.
func TestLostEventCounted(t *testing.T) {
	b := newBoard(t, emulator.WithHeartbeat(50*time.Millisecond))
	c := open(t, b)
	if _, err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	b.CorruptEvents(1)
	b.After(0, hardware.Hole(2), true) // lost: its frame is corrupt
	deadline := time.Now().Add(2 * time.Second)
	for c.Lost() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	b.After(0, hardware.Hole(2), false)
	select {
	case ev := <-c.Events():
		if ev.Seq != 2 || ev.Input != hardware.Hole(2) || ev.Entry {
			t.Errorf("got %v, want hole2 release #2 (after the lost #1)", ev)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no event")
	}
	if s := c.Stats(); s.Lost != 1 {
		t.Errorf("stats %+v, want 1 lost", s)
	}
}

func TestSetRefusesWhatTheBoardLacks(t *testing.T) {
	b := newBoard(t, emulator.WithHoles(5))
	c := open(t, b)
	for _, o := range []hardware.Output{hardware.Stimulus(6), hardware.Pellet, hardware.Output(0)} {
		if _, err := c.Set(o, true); err == nil {
			t.Errorf("Set(%v) succeeded", o)
		}
	}
	if _, err := c.Pulse(hardware.HouseLight); err == nil {
		t.Error("Pulse(house light) succeeded")
	}
	if c.Err() != nil {
		t.Errorf("chamber failed: %v", c.Err())
	}
}

func TestHaltAndClose(t *testing.T) {
	b := newBoard(t)
	c := open(t, b)
	for _, o := range []hardware.Output{hardware.HouseLight, hardware.Stimulus(3), hardware.MagazineLight} {
		if _, err := c.Set(o, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Halt(); err != nil {
		t.Fatal(err)
	}
	for o := hardware.Output(1); o <= hardware.Pellet; o++ {
		if b.Lit(o) {
			t.Errorf("%v on after Halt", o)
		}
	}
	if _, err := c.Set(hardware.HouseLight, true); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if b.Lit(hardware.HouseLight) {
		t.Error("house light on after Close")
	}
	if !errors.Is(c.Err(), serial.ErrClosed) {
		t.Errorf("Err() = %v after Close", c.Err())
	}
	if _, err := c.Set(hardware.HouseLight, true); !errors.Is(err, serial.ErrClosed) {
		t.Errorf("Set after Close: %v", err)
	}
}
