package serial_test

import (
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware/serial"
	"github.com/fivechoice/fivechoice/hardware/serial/emulator"
	"github.com/fivechoice/fivechoice/protocols"
)

// testLogger logs through t, so a failing test shows what the chamber said.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(string(p[:len(p)-1]))
	return len(p), nil
}

// newBoard starts an emulated board, closed at the end of the test.
func newBoard(tb testing.TB, opts ...emulator.Option) *emulator.Board {
	tb.Helper()
	b, err := emulator.New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { b.Close() })
	return b
}

// open opens the board's pty as a serial chamber, closed at the end of the
// test.
func open(tb testing.TB, b *emulator.Board, opts ...serial.Option) *serial.Chamber {
	tb.Helper()
	// The emulator writes each frame at once: no UART between it and us.
	c, err := serial.Open(b.Path(), append([]serial.Option{serial.WithLogger(testLogger(tb)), serial.WithNativeUSB()}, opts...)...)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// shortParams is a short session: ITI 300ms, SD 200ms, LH 500ms, TO
// 300ms, three scored trials, automatic initiation after a time-out.
func shortParams() protocols.Params {
	p := protocols.Default()
	p.ITI = protocols.Duration(300 * time.Millisecond)
	p.StimulusDuration = protocols.Duration(200 * time.Millisecond)
	p.LimitedHold = protocols.Duration(500 * time.Millisecond)
	p.Timeout = protocols.Duration(300 * time.Millisecond)
	p.MaxTrials = 3
	p.Initiation = protocols.InitiationAuto
	p.MaxDuration = protocols.Duration(time.Minute)
	p.Seed = 7
	return p
}

func newSession(t *testing.T, p protocols.Params) *protocols.Session {
	t.Helper()
	s, err := protocols.NewSession(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// summary describes a sample of durations.
func summary(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n=0"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("n=%d min=%v p50=%v p99=%v max=%v", len(s), s[0], quantile(s, 0.5), quantile(s, 0.99), s[len(s)-1])
}

// quantile of a sorted sample (nearest rank).
func quantile(s []time.Duration, q float64) time.Duration {
	return s[int(q*float64(len(s)-1)+0.5)]
}

func abs(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Abs()
	}
	return out
}
