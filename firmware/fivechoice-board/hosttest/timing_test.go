package hosttest

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fivechoice/fivechoice/firmware/avrsim"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial"
)

// measureN is how many commands and beam edges TestEmulatedBoardTiming
// times: a few, or FIVECHOICE_AVR_MEASURE of each for the figures of
// docs/serial-protocol.md.
func measureN(t *testing.T, short int) int {
	if s := os.Getenv("FIVECHOICE_AVR_MEASURE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("FIVECHOICE_AVR_MEASURE=%q: want a count", s)
		}
		return n
	}
	return short
}

func monoNow() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// TestEmulatedBoardTiming measures, on the firmware in an emulated Uno at
// the default 115200 baud, what a lab's host sees of a real board's serial
// link (docs/serial-protocol.md has the figures):
//
//   - the stamping delay: the board time an edge is stamped with, minus
//     the board time its pin changed (the firmware polls its beams);
//   - the delivery delay: from the pin change to the EV frame's last byte
//     at the host (the 2 ms debounce plus the frame's time on the wire);
//   - the command round trip: Set, from the call to its return;
//   - the error of the input times the host records: Event.At minus the
//     session time of the pin change (the harness paces the AVR to
//     CLOCK_MONOTONIC, which gives each cycle a host instant).
//
// It asserts only what must hold of hardware timestamps whatever the
// machine's load: every edge arrives, in order, stamped at or after its
// pin change and recorded within 1 ms of it.
func TestEmulatedBoardTiming(t *testing.T) {
	sim := startSim(t, avrsim.Uno, false)
	stampDelays(t, sim, measureN(t, 20))
	hostTimes(t, sim, measureN(t, 20))
}

// stampDelays speaks frames to the firmware and compares each EV's board
// time with the cycle its pin changed at.
func stampDelays(t *testing.T, sim *avrsim.Sim, n int) {
	f, err := os.OpenFile(sim.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.SetReadDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(f)
	f.Write(serial.Frame{Type: serial.TypeHello, Version: serial.Protocol, Token: 0x5A5A}.Append(nil))
	var stamp, delivery []time.Duration
	for i := range n {
		before := len(sim.Changes())
		sim.Set(pinHole3, i%2) // entry, release, ...
		var ev serial.Frame
		for ev.Type != serial.TypeEvent {
			line, err := r.ReadBytes('\n')
			if err != nil {
				t.Fatal(err)
			}
			if ev, err = serial.ParseFrame(line); err != nil {
				t.Fatalf("firmware sent %q: %v", line, err)
			}
		}
		got := monoNow()
		in := inputAfter(t, sim, before)
		at, ok := sim.Micros(in.Cycle)
		if !ok || ev.ID != uint32(i+1) || ev.Input != hardware.Hole(3) || ev.On != (i%2 == 0) {
			t.Fatalf("edge %d: %v for %+v", i, ev, in)
		}
		stamp = append(stamp, time.Duration(int32(ev.Time-at))*time.Microsecond)
		delivery = append(delivery, time.Duration(got-in.Mono))
		time.Sleep(30 * time.Millisecond)
	}
	t.Logf("stamping delay (board stamp − pin change, 4 µs resolution): %s", summary(stamp))
	t.Logf("delivery delay (pin change → EV at the host): %s", summary(delivery))
	if slices.Min(stamp) < 0 {
		t.Errorf("an edge was stamped before its pin changed: %s", summary(stamp))
	}
}

// inputAfter waits for the harness's report of the input level set after
// the first `before` changes.
func inputAfter(t *testing.T, sim *avrsim.Sim, before int) avrsim.Change {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		for _, c := range sim.Changes()[before:] {
			if !c.Output {
				return c
			}
		}
	}
	t.Fatal("the harness did not report the input")
	return avrsim.Change{}
}

// hostTimes runs the serial backend on the board: command round trips,
// and the recorded time of each edge against the pin change's.
func hostTimes(t *testing.T, sim *avrsim.Sim, n int) {
	c, err := serial.Open(sim.Path(), serial.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	zero := monoNow() // CLOCK_MONOTONIC at session time zero, to a few µs
	var rtt []time.Duration
	for i := range 5 * n {
		t0 := time.Now()
		if _, err := c.Set(hardware.HouseLight, i%2 == 0); err != nil {
			t.Fatal(err)
		}
		rtt = append(rtt, time.Since(t0))
	}
	t.Logf("command round trip (Set): %s", summary(rtt))
	var errs []time.Duration
	var maps []string // the clock map as each edge was recorded, for a failure's message
	for i := range n {
		before := len(sim.Changes())
		sim.Set(pinHole3, i%2)
		var ev hardware.Event
		select {
		case ev = <-c.Events():
		case <-time.After(2 * time.Second):
			t.Fatalf("edge %d: no event (%v)", i, c.Err())
		}
		in := inputAfter(t, sim, before)
		truth := time.Duration(sim.Mono(in.Cycle) - zero)
		errs = append(errs, ev.At-truth)
		ci := c.Clock()
		maps = append(maps, fmt.Sprintf("edge %d: %v (board at zero %d, drift %.0f ppm, %d of %d samples)", i, ev.At-truth, ci.BoardAtZero, ci.DriftPPM, ci.Used, ci.Samples))
		time.Sleep(30 * time.Millisecond)
	}
	ci := c.Clock()
	t.Logf("recorded input time − pin change: %s; clock %+v; stats %+v", summary(errs), ci, c.Stats())
	if sim.Slipped() {
		t.Logf("not checked: the emulation fell over a second behind and skipped ahead (%v)", sim.Lags())
	} else if m, bound := slices.Max(abs(errs)), max(time.Millisecond, ci.MinRTT/2); m > bound {
		// The clock map can be no surer than half the quickest round trip
		// (the board's reply may have been stamped anywhere in it): 1 ms
		// on a quiet machine, more when other tests slow the emulation.
		t.Errorf("an input recorded %v from its pin change, want within %v (1 ms, or half the quickest round trip %v; stalls: %v); each edge:\n%s", m, bound, ci.MinRTT, sim.Lags(), strings.Join(maps, "\n"))
	}
}

// summary describes a sample of durations.
func summary(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[int(p*float64(len(s)-1)+0.5)] }
	return fmt.Sprintf("n=%d min=%v p50=%v p90=%v max=%v", len(s), s[0], q(0.5), q(0.9), s[len(s)-1])
}

func abs(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Abs()
	}
	return out
}
