package controller

import (
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/storage"
)

// A Barcode follows each sync pulse with a number on the same line, so that
// a recording that missed pulses, or began late, can still tell which
// pulse is which. With t0 the pulse's rising edge:
//
//   - the line is the pulse's, then low, until t0+Lead (Lead is the pulse's
//     width plus at least one bit, a low gap between pulse and code);
//   - a start bit: high for one Bit;
//   - Bits data bits, least significant first, each one Bit long, high for
//     1 and low for 0;
//   - then low.
//
// The number is 0 after the session-start pulse and the attempt's number
// (attempt_log's n, R26) after a stimulus onset's, modulo 2^Bits. The
// runner switches each edge at its deadline (Chamber.Set on the sync line,
// never a goroutine) and records it as a hardware.SyncCode output event
// with the time it took effect; a pulse that comes before a code is done
// (a new onset, the session's end) first takes the line low.
type Barcode struct {
	Bits int           // data bits, 1 to MaxBarcodeBits; 0: no barcode
	Bit  time.Duration // one bit's width
	Lead time.Duration // from the pulse's rising edge to the start bit's
}

// MaxBarcodeBits bounds a barcode's data bits.
const MaxBarcodeBits = 32

// Len is how long a code lasts from its pulse's rising edge.
func (b Barcode) Len() time.Duration { return b.Lead + time.Duration(b.Bits+1)*b.Bit }

// An Edge is one level change of a barcode, due at At.
type Edge struct {
	At time.Duration
	On bool
}

// Edges returns the level changes that write n after a pulse at t0.
func (b Barcode) Edges(t0 time.Duration, n uint64) []Edge {
	var out []Edge
	high := false
	level := func(at time.Duration, on bool) {
		if on != high {
			out = append(out, Edge{At: at, On: on})
			high = on
		}
	}
	start := t0 + b.Lead
	level(start, true)
	for i := range b.Bits {
		level(start+time.Duration(i+1)*b.Bit, n>>i&1 == 1)
	}
	level(start+time.Duration(b.Bits+1)*b.Bit, false)
	return out
}

// Check refuses a barcode that cannot be written.
func (b Barcode) Check() error {
	switch {
	case b.Bits == 0:
		return nil
	case b.Bits < 1 || b.Bits > MaxBarcodeBits:
		return fmt.Errorf("barcode: %d bits: want 1 to %d", b.Bits, MaxBarcodeBits)
	case b.Bit < time.Millisecond || b.Bit > time.Second:
		return fmt.Errorf("barcode: bit %v: want 1ms to 1s", b.Bit)
	case b.Lead < b.Bit:
		return fmt.Errorf("barcode: lead %v: want at least a bit (%v) after the pulse", b.Lead, b.Bit)
	}
	return nil
}

// nextEdge returns the deadline of the barcode's next edge, if one is due
// before the protocol's deadline (at it, the protocol goes first).
func (r *runner) nextEdge(deadline time.Duration) (time.Duration, bool) {
	if len(r.code) == 0 || r.code[0].At >= deadline {
		return deadline, false
	}
	return r.code[0].At, true
}

// codeEdge switches the barcode's next edge, now due.
func (r *runner) codeEdge() {
	e := r.code[0]
	r.code = r.code[1:]
	r.setCode(e.On, e.At)
}

// endCode drops what is left of a barcode and leaves the line low.
func (r *runner) endCode(due time.Duration) {
	r.code = nil
	if r.codeHigh && r.err == nil {
		r.setCode(false, due)
	}
}

func (r *runner) setCode(on bool, due time.Duration) {
	at, err := r.s.Chamber.Set(hardware.Sync, on)
	if err != nil {
		r.err = fmt.Errorf("sync barcode: %w", err)
		return
	}
	r.codeHigh = on
	if r.s.Recorder != nil {
		r.record(storage.Event{At: at, Output: hardware.SyncCode, On: on, Due: due})
	}
}
