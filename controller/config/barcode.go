package config

import (
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// Barcode is a chamber's trial-number barcode after each sync pulse
// (controller.Barcode; docs/gpio.md, Sync output): Bits data bits of Bit
// each, least significant first, after a start bit that begins one Bit
// after the pulse ends.
type Barcode struct {
	Bits int           `yaml:"bits"` // default DefaultBarcodeBits
	Bit  time.Duration `yaml:"bit"`  // default DefaultBarcodeBit
}

// Defaults of a barcode's keys: 16 bits hold every attempt number a
// session can reach (at most 10001), and 10 ms bits are read by any
// recorder's digital input; a code then lasts 200 ms after a 10 ms pulse.
const (
	DefaultBarcodeBits = 16
	DefaultBarcodeBit  = 10 * time.Millisecond
	MaxBarcodeBits     = 32
)

// SyncPulse is the width of the chamber's sync pulse, and whether it has
// a sync line at all. A simulated pulse has no width; its barcode is
// placed as after a DefaultSyncPulse one, as on a real line.
func (ch Chamber) SyncPulse() (time.Duration, bool) {
	switch {
	case ch.Backend == hardware.BackendSim && ch.Sim != nil && ch.Sim.Sync:
		return DefaultSyncPulse, true
	case ch.Backend == hardware.BackendSerial && ch.Serial != nil && ch.Serial.Sync:
		return ch.Serial.SyncPulse, true
	case ch.Backend == hardware.BackendGPIO && ch.GPIO != nil && ch.GPIO.Wiring.Sync != nil:
		return ch.GPIO.Wiring.SyncPulse, true
	}
	return 0, false
}

// barcode checks a chamber's barcode and fills in its defaults.
func (k *checker) barcode(p string, ch *Chamber) {
	b := ch.Barcode
	if b == nil {
		return
	}
	p += ".barcode"
	if _, ok := ch.SyncPulse(); !ok {
		k.bad(p, "needs a sync line to write on: sim.sync: true, serial.sync: true or gpio.sync: <line>")
	}
	switch {
	case !k.idx.has(p + ".bits"):
		b.Bits = DefaultBarcodeBits
	case b.Bits < 1 || b.Bits > MaxBarcodeBits:
		k.bad(p+".bits", "want 1 to %d, got %d", MaxBarcodeBits, b.Bits)
	}
	switch {
	case !k.idx.has(p + ".bit"):
		b.Bit = DefaultBarcodeBit
	case b.Bit < time.Millisecond || b.Bit > time.Second:
		k.bad(p+".bit", "want 1ms to 1s, got %v", b.Bit)
	}
}
