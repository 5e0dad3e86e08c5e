package gpio

import (
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// checkKernelSync (TestKernelOutputs): on a gpio-sim line, the sync line
// goes high at once and low after its pulse; a barcode's edges (Set of the
// sync line, which the runner switches at its deadlines) reach the line at
// the time Set returns, and a Set during a pulse takes the line over: the
// pulse's end no longer lowers it.
func checkKernelSync(t *testing.T, c *Chamber, r simRig, now func() time.Duration) {
	t.Helper()
	at, err := c.Pulse(hardware.Sync)
	if err != nil {
		t.Fatal(err)
	}
	if on, err := r.level(hardware.Sync); err != nil || !on {
		t.Errorf("sync line low right after Pulse (%v)", err)
	}
	off := waitLow(t, r, now, at)
	measure(t, "sync_pulse_10ms_seen_width", []time.Duration{off - at})
	if off-at < r.w.SyncPulse {
		t.Errorf("sync pulse lasted %v, want at least %v", off-at, r.w.SyncPulse)
	}

	// A code's edges: start bit, then 1, 0, 1, 1 (LSB first: 13).
	var calls []time.Duration
	for _, on := range []bool{true, true, false, true, true, false} {
		before := now()
		at, err := c.Set(hardware.Sync, on)
		after := now()
		if err != nil {
			t.Fatal(err)
		}
		if at < before || at > after {
			t.Errorf("Set(sync, %v) returned %v outside the call [%v, %v]", on, at, before, after)
		}
		calls = append(calls, after-before)
		if got, err := r.level(hardware.Sync); err != nil || got != on {
			t.Errorf("Set(sync, %v): the line reads %v (%v)", on, got, err)
		}
	}
	measure(t, "sync_code_set_call", calls)

	// A Set during a pulse holds the line past the pulse's end.
	if _, err := c.Pulse(hardware.Sync); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(hardware.Sync, true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * r.w.SyncPulse)
	if on, err := r.level(hardware.Sync); err != nil || !on {
		t.Errorf("sync line low %v after Set(sync, on) during a pulse (%v): the pulse's end lowered it", 3*r.w.SyncPulse, err)
	}
	if _, err := c.Set(hardware.Sync, false); err != nil {
		t.Fatal(err)
	}
}

// waitLow polls the sync line until it is low and returns when it saw it.
func waitLow(t *testing.T, r simRig, now func() time.Duration, since time.Duration) time.Duration {
	t.Helper()
	for {
		on, err := r.level(hardware.Sync)
		if err != nil {
			t.Fatal(err)
		}
		off := now()
		if !on {
			return off
		}
		if off-since > time.Second {
			t.Fatal("sync still high after 1s")
		}
		time.Sleep(200 * time.Microsecond)
	}
}
