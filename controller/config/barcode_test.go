package config

import (
	"strings"
	"testing"
	"time"
)

// TestSyncAndBarcode: a sync line and its barcode are read with their
// defaults on every backend, and each mistake is refused with the file,
// the line and the key.
func TestSyncAndBarcode(t *testing.T) {
	const head = "token_file: token\nchambers:\n"
	c, err := parse(t, head+
		"  - {name: a, backend: sim, sim: {sync: true}, barcode: {}}\n"+
		"  - {name: b, backend: serial, serial: {port: /dev/ttyUSB0, sync: true, sync_pulse: 5ms}, barcode: {bits: 12, bit: 20ms}}\n"+
		gpioChamber("c", "gpiochip0", 0)+"      sync: 14\n    barcode: {bits: 20}\n")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		pulse time.Duration
		bits  int
		bit   time.Duration
	}{{DefaultSyncPulse, DefaultBarcodeBits, DefaultBarcodeBit}, {5 * time.Millisecond, 12, 20 * time.Millisecond}, {10 * time.Millisecond, 20, DefaultBarcodeBit}} {
		ch := c.Chambers[i]
		w, ok := ch.SyncPulse()
		if !ok || w != want.pulse || ch.Barcode == nil || ch.Barcode.Bits != want.bits || ch.Barcode.Bit != want.bit {
			t.Errorf("chamber %s: sync %v %v, barcode %+v; want %+v", ch.Name, w, ok, ch.Barcode, want)
		}
	}

	for _, tc := range []struct{ name, doc, want string }{
		{"barcode without a sync line", head + "  - name: a\n    backend: sim\n    barcode: {bits: 8}\n",
			":5: chambers[0].barcode: needs a sync line to write on"},
		{"too many bits", head + "  - name: a\n    backend: sim\n    sim: {sync: true}\n    barcode:\n      bits: 40\n",
			":7: chambers[0].barcode.bits: want 1 to 32, got 40"},
		{"no bits", head + "  - {name: a, backend: sim, sim: {sync: true}, barcode: {bits: 0}}\n",
			":3: chambers[0].barcode.bits: want 1 to 32, got 0"},
		{"bit too short", head + "  - {name: a, backend: sim, sim: {sync: true}, barcode: {bit: 500us}}\n",
			":3: chambers[0].barcode.bit: want 1ms to 1s, got 500µs"},
		{"serial sync pulse too short", head + "  - name: a\n    backend: serial\n    serial:\n      port: /dev/ttyUSB0\n      sync: true\n      sync_pulse: 0s\n",
			":8: chambers[0].serial.sync_pulse: want 1ms to 1s, got 0s"},
		{"serial sync pulse without sync", head + "  - name: a\n    backend: serial\n    serial:\n      port: /dev/ttyUSB0\n      sync_pulse: 10ms\n",
			":7: chambers[0].serial.sync_pulse: goes with sync: true"},
		{"gpio sync on the pellet's line", head + gpioChamber("a", "gpiochip0", 0) + "      sync: 13\n",
			":16: chambers[0].gpio.sync.offset: line 13 is also pellet"},
		{"gpio sync on another chamber's line", head + gpioChamber("a", "gpiochip0", 0) + gpioChamber("b", "gpiochip0", 20) + "      sync: 3\n",
			":29: chambers[1].gpio.sync: gpiochip0 line 3 is also chambers[0].gpio.holes[3]"},
		{"gpio sync pulse too long", head + gpioChamber("a", "gpiochip0", 0) + "      sync: 14\n      sync_pulse: 2s\n",
			":17: chambers[0].gpio.sync_pulse: must be 1ms to 1s, got 2s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.doc)
			if err == nil || !strings.Contains(err.Error(), "fivechoice.yaml"+tc.want) {
				t.Errorf("got %v\nwant %q", err, tc.want)
			}
		})
	}
}
