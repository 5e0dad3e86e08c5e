package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/firmware/avrsim"
	"github.com/fivechoice/fivechoice/hardware/serial"
)

// The avr chamber's sync line and barcode (avrConfig): the serial
// default 10 ms pulse, 16 bits of 20 ms one bit after it.
const (
	avrSyncPulse = 10 * time.Millisecond
	avrCodeBit   = 20 * time.Millisecond
	avrCodeBits  = 16
)

// checkSync: the sync line was pulsed at the session's start and right
// after every stimulus onset, with the onset's due time.
func checkSync(t *testing.T, events []recorded, ended bool) {
	t.Helper()
	var onsets, syncs int
	for i, e := range events {
		isOnset := e.kind == "output" && strings.HasPrefix(e.channel, "stimulus") && e.value == 1
		if isOnset {
			onsets++
			if i+1 == len(events) || events[i+1].channel != "sync" || events[i+1].due != e.due {
				t.Errorf("stimulus onset at %v (due %v) not followed by its sync pulse", e.at, e.due)
			}
		}
		if e.channel == "sync" {
			syncs++
		}
	}
	if ended && (onsets < 10 || syncs != onsets+1) {
		t.Errorf("%d stimulus onsets, %d sync pulses: want one at the start and one per onset", onsets, syncs)
	}
}

// checkBarcode reads the codes off the board's sync pin (A3) as
// docs/gpio.md tells a lab to, on the board's cycle-exact times: after each
// pulse, the start bit is the next rising edge; bit k is the level at the
// start bit's edge + (k + 1.5) bits. The codes must be 0 after the first
// pulse and then the attempt numbers 1, 2, 3 ... (the subject never pokes
// early, so every attempt has its onset); a stimulus light's pulse must
// rise on the pin after the light and within a command's timeout of it.
func checkBarcode(t *testing.T, sim *avrsim.Sim, outs []matched, pins []avrsim.Change, ended bool) {
	t.Helper()
	var line []avrsim.Change
	for _, c := range pins {
		if c.Output && c.Pin == "A3" {
			line = append(line, c)
		}
	}
	level := func(at time.Duration) int {
		l := 0
		for _, c := range line {
			if sim.Time(c.Cycle) > at {
				break
			}
			l = c.Level
		}
		return l
	}
	var codes []uint64
	var leads, delays []time.Duration
	var light time.Duration
	for _, m := range outs {
		t0 := sim.Time(m.pin.Cycle)
		if strings.HasPrefix(m.channel, "stimulus") && m.value == 1 {
			light = t0
		}
		if m.channel != "sync" {
			continue
		}
		if len(codes) > 0 {
			if d := t0 - light; d <= 0 || d > serial.DefaultCommandTimeout {
				t.Errorf("pulse %d rose on the pin %v after its stimulus light", len(codes), d)
			}
			delays = append(delays, t0-light)
		}
		i := slices.IndexFunc(line, func(c avrsim.Change) bool { return c.Level == 1 && sim.Time(c.Cycle) > t0+avrSyncPulse })
		if i < 0 {
			break // the session ended before this code began
		}
		start := sim.Time(line[i].Cycle)
		leads = append(leads, start-t0)
		var n uint64
		for k := range avrCodeBits {
			if level(start+time.Duration(2*k+3)*avrCodeBit/2) == 1 {
				n |= 1 << k
			}
		}
		codes = append(codes, n)
	}
	t.Logf("sync pulse after its light on the pin: %s; start bit after the pulse: %s (due %v)", spread(delays), spread(leads), avrSyncPulse+avrCodeBit)
	for i, n := range codes {
		if n != uint64(i) && (i < len(codes)-1 || ended) {
			t.Errorf("barcodes read off the pin: %v, want 0, 1, 2, ...", codes)
			break
		}
	}
	if ended && len(codes) < 11 {
		t.Errorf("%d barcodes read off the pin, want 11", len(codes))
	}
}
