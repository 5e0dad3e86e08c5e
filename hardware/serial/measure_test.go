package serial_test

import (
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial"
	"github.com/fivechoice/fivechoice/hardware/serial/emulator"
)

// measureFor is how long TestClockMapping runs each case: 2 s, or the
// duration in FIVECHOICE_SERIAL_MEASURE (e.g. 60s) for the figures of
// docs/serial-protocol.md.
func measureFor(t *testing.T) time.Duration {
	if s := os.Getenv("FIVECHOICE_SERIAL_MEASURE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("FIVECHOICE_SERIAL_MEASURE: %v", err)
		}
		return d
	}
	return 2 * time.Second
}

// wrapAt is where the board's 32-bit microsecond clock wraps.
const wrapAt = time.Duration(1<<32) * time.Microsecond

// TestClockMapping measures, for board clocks with a known offset and
// drift, how far the session times of input events, mapped from the board
// clock, land from the host instants the emulator stamped them at.
func TestClockMapping(t *testing.T) {
	run := measureFor(t)
	for _, c := range []struct {
		name   string
		offset time.Duration
		ppm    float64
	}{
		{"in step", 0, 0},
		{"1s ahead, 50 ppm fast", time.Second, 50},
		{"wrapping 2s in, 200 ppm slow", wrapAt - 2*time.Second, -200},
		{"ceramic resonator, 3000 ppm fast", 0, 3000},
	} {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && c.ppm != 50 {
				t.Skip("-short: one case is enough")
			}
			// An edge every 20 ms from 1 s after the handshake (Begin
			// comes before), at board times.
			var script []emulator.Step
			for at := time.Second; at < time.Second+run; at += 20 * time.Millisecond {
				n := len(script)
				script = append(script, emulator.Step{At: at, Input: hardware.Hole(n/2%5 + 1), Entry: n%2 == 0})
			}
			b := newBoard(t, emulator.WithClock(c.offset, c.ppm), emulator.WithScript(script))
			ch := open(t, b)
			start, err := ch.Begin()
			if err != nil {
				t.Fatal(err)
			}
			var got []hardware.Event
			timeout := time.After(run + 5*time.Second)
			for len(got) < len(script) {
				select {
				case ev, ok := <-ch.Events():
					if !ok {
						t.Fatalf("events ended: %v", ch.Err())
					}
					got = append(got, ev)
				case <-timeout:
					t.Fatalf("%d of %d events", len(got), len(script))
				}
			}
			edges := b.Edges()
			if c.offset > wrapAt-10*time.Second && edges[0].Board < edges[len(edges)-1].Board {
				t.Fatalf("the board clock did not wrap: %d to %d", edges[0].Board, edges[len(edges)-1].Board)
			}
			var errs []time.Duration
			for i, ev := range got {
				e := edges[i]
				if ev.Input != e.Input || ev.Entry != e.Entry || ev.Seq != uint64(i+1) {
					t.Fatalf("event %d: %v, the board made %+v", i, ev, e)
				}
				errs = append(errs, ev.At-e.Host.Sub(start))
			}
			ci := ch.Clock()
			t.Logf("%v: error %s; |error| %s; drift %.2f ppm (true %g), min RTT %v, stats %+v",
				run, summary(errs), summary(abs(errs)), ci.DriftPPM, c.ppm, ci.MinRTT, ch.Stats())
			if m := slices.Max(abs(errs)); m > timeTolerance {
				t.Errorf("worst error %v, want at most %v", m, timeTolerance)
			}
			// The drift's error shrinks as the span of samples grows: loose
			// for the default 2 s run (a loaded machine), tight for a minute.
			if d := math.Abs(ci.DriftPPM - c.ppm); d > max(5, 100/run.Seconds()) {
				t.Errorf("drift estimated at %.1f ppm, true %g", ci.DriftPPM, c.ppm)
			}
		})
	}
}

// roundTrips times n Set commands, alternately on and off.
func roundTrips(tb testing.TB, c *serial.Chamber, n int) []time.Duration {
	ds := make([]time.Duration, 0, n)
	for i := range n {
		t0 := time.Now()
		if _, err := c.Set(hardware.HouseLight, i%2 == 0); err != nil {
			tb.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	slices.Sort(ds)
	return ds
}

// TestCommandRoundTrip measures how long Set takes on a pseudo-terminal:
// the command's way to the board, its execution and the acknowledgement's
// way back.
func TestCommandRoundTrip(t *testing.T) {
	c := open(t, newBoard(t))
	ds := roundTrips(t, c, 2000)
	t.Logf("Set round trip: %s", summary(ds))
	if p99 := quantile(ds, 0.99); p99 > 20*time.Millisecond {
		t.Errorf("p99 %v", p99)
	}
}

func BenchmarkCommandRoundTrip(b *testing.B) {
	c := open(b, newBoard(b))
	b.ResetTimer()
	ds := roundTrips(b, c, b.N)
	b.ReportMetric(float64(quantile(ds, 0.5).Microseconds()), "p50-µs")
	b.ReportMetric(float64(quantile(ds, 0.99).Microseconds()), "p99-µs")
}
