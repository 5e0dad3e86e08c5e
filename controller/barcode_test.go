package controller_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// barcodeRun is one virtual session with a sync line and a barcode.
type barcodeRun struct {
	p       protocols.Params
	ps      *protocols.Session
	res     controller.Result
	events  []storage.Event
	changes []sim.OutputChange
}

func runBarcode(t *testing.T, b controller.Barcode, seed uint64) barcodeRun {
	t.Helper()
	r := barcodeRun{p: protocols.Default()}
	r.p.Seed, r.p.MaxTrials = seed, 30
	var err error
	if r.ps, err = protocols.NewSession(r.p); err != nil {
		t.Fatal(err)
	}
	ch := sim.NewVirtual(rat.New(rat.Default(), r.p.Holes, seed), sim.WithOutputLog(&r.changes))
	rec := &eventLog{}
	r.res, err = controller.Run(context.Background(), controller.Setup{Protocol: r.ps, Chamber: ch, Timeline: ch, Recorder: rec, Sync: true, Barcode: b})
	if err != nil {
		t.Fatal(err)
	}
	r.events = rec.events
	return r
}

// TestBarcode: on virtual time every sync pulse is followed by its code at
// exactly the documented times (a lead, a start bit, the bits least
// significant first), recorded as sync_code events with their due times;
// read off the chamber's line as a lab's recorder would, the codes are 0 at
// the start and then each stimulus onset's attempt number; rescoring from
// the raw log gives the attempts scored live.
func TestBarcode(t *testing.T) {
	b := controller.Barcode{Bits: 16, Bit: 10 * time.Millisecond, Lead: 20 * time.Millisecond}
	r := runBarcode(t, b, 5)
	checkRescored(t, r)
	var pulses []storage.Event
	var want []uint64 // the numbers the codes carry
	for i, e := range r.events {
		switch {
		case e.Output == hardware.Sync:
			pulses = append(pulses, e)
			if len(want) == 0 {
				want = append(want, 0)
			}
		case isOnset(e):
			want = append(want, uint64(attemptAt(t, r.ps, e.At)))
			if i+1 == len(r.events) || r.events[i+1].Output != hardware.Sync {
				t.Fatalf("onset at %v not followed by its pulse", e.At)
			}
		}
	}
	if len(pulses) < 31 || len(pulses) != len(want) {
		t.Fatalf("%d pulses, %d numbers expected", len(pulses), len(want))
	}
	for i, pl := range pulses {
		var got []controller.Edge
		for _, e := range codeAfter(r.events, pl) {
			if e.At != e.Due {
				t.Errorf("code edge at %v, due %v: virtual time is exact", e.At, e.Due)
			}
			got = append(got, controller.Edge{At: e.At, On: e.On})
		}
		if exp := b.Edges(pl.At, want[i]); !slices.Equal(got, exp) && !(i == len(pulses)-1 && r.res.EndReason != "") {
			t.Errorf("pulse %d at %v: code edges %v, want %v", i, pl.At, got, exp)
		}
	}
	got := decodeLine(r.changes, pulses, b)
	if !slices.Equal(got[:len(got)-1], want[:len(want)-1]) { // the last may be cut by the end
		t.Errorf("decoded from the line: %v\nwant %v", got, want)
	}
	if last := r.changes[len(r.changes)-1]; levelAt(r.changes, pulses, r.res.At+time.Hour) {
		t.Errorf("sync line left high at the end (last change %+v)", last)
	}
}

// TestBarcodeCut: a code longer than the time to the next onset is cut
// short by the next pulse, which finds the line low; the record still
// alternates on/off and rescoring is unchanged.
func TestBarcodeCut(t *testing.T) {
	b := controller.Barcode{Bits: 32, Bit: time.Second, Lead: 2 * time.Second}
	r := runBarcode(t, b, 6)
	checkRescored(t, r)
	high, cut := false, 0
	var last storage.Event
	for _, e := range r.events {
		switch e.Output {
		case hardware.Sync:
			if high {
				t.Fatalf("pulse at %v while the code holds the line high", e.At)
			}
			if last.Output == hardware.SyncCode && last.Due == e.Due { // lowered for this pulse
				cut++
			}
		case hardware.SyncCode:
			if e.On == high {
				t.Fatalf("code edge at %v repeats level %v", e.At, e.On)
			}
			high = e.On
		}
		if !e.IsInput() {
			last = e
		}
	}
	if high {
		t.Error("the record leaves the line high")
	}
	if cut == 0 {
		t.Error("no code was cut short: the test does not test it")
	}
}

func checkRescored(t *testing.T, r barcodeRun) {
	t.Helper()
	var log []protocols.LogEntry
	for _, e := range r.events {
		log = append(log, storage.LogEntry(e))
	}
	again, err := protocols.Replay(r.p, log, r.res.At, r.res.EndReason)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Attempts(), r.ps.Attempts()) {
		t.Error("rescored attempts differ from the live ones")
	}
}

func isOnset(e storage.Event) bool {
	_, ok := e.Output.Stimulus()
	return ok && e.On && !e.IsInput()
}

// attemptAt is the number of the attempt whose stimulus came on at t.
func attemptAt(t *testing.T, ps *protocols.Session, at time.Duration) int {
	t.Helper()
	for _, a := range ps.Attempts() {
		if a.Onset == at {
			return a.N
		}
	}
	t.Fatalf("no attempt with its onset at %v", at)
	return 0
}

// codeAfter is the sync_code events between a pulse and the next.
func codeAfter(events []storage.Event, pulse storage.Event) []storage.Event {
	var out []storage.Event
	for _, e := range events {
		switch {
		case e.Seq <= pulse.Seq:
		case e.Output == hardware.Sync:
			return out
		case e.Output == hardware.SyncCode:
			out = append(out, e)
		}
	}
	return out
}

// decodeLine reads the codes off the chamber's sync line as docs/gpio.md
// tells a lab to: from each pulse's rising edge, the start bit is sampled
// at lead + half a bit, bit k at lead + (k + 1.5) bits.
func decodeLine(changes []sim.OutputChange, pulses []storage.Event, b controller.Barcode) []uint64 {
	var out []uint64
	for _, p := range pulses {
		mid := func(k int) time.Duration { return p.At + b.Lead + time.Duration(k)*b.Bit + b.Bit/2 }
		if !levelAt(changes, pulses, mid(0)) {
			out = append(out, 1<<63) // no start bit
			continue
		}
		var n uint64
		for k := range b.Bits {
			if levelAt(changes, pulses, mid(k+1)) {
				n |= 1 << k
			}
		}
		out = append(out, n)
	}
	return out
}

// levelAt is the level the barcode's Sets left the sync line at t (a
// simulated pulse has no width: the entries at a pulse's time are its own).
func levelAt(changes []sim.OutputChange, pulses []storage.Event, t time.Duration) bool {
	high := false
	for _, c := range changes {
		if c.At > t {
			break
		}
		if c.Output != hardware.Sync || (c.On && slices.ContainsFunc(pulses, func(p storage.Event) bool { return p.At == c.At })) {
			continue
		}
		high = c.On
	}
	return high
}

// TestBarcodeCheck: what cannot be written is refused before the session.
func TestBarcodeCheck(t *testing.T) {
	for _, b := range []controller.Barcode{
		{Bits: 33, Bit: time.Millisecond, Lead: time.Millisecond},
		{Bits: -1, Bit: time.Millisecond, Lead: time.Millisecond},
		{Bits: 8, Bit: 500 * time.Microsecond, Lead: time.Millisecond},
		{Bits: 8, Bit: 2 * time.Second, Lead: 3 * time.Second},
		{Bits: 8, Bit: 10 * time.Millisecond, Lead: 5 * time.Millisecond},
	} {
		if err := b.Check(); err == nil {
			t.Errorf("%+v accepted", b)
		}
	}
	if err := (controller.Barcode{Bits: 16, Bit: 10 * time.Millisecond, Lead: 20 * time.Millisecond}).Check(); err != nil {
		t.Error(err)
	}
}
