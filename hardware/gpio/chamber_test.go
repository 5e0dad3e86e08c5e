package gpio

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

func TestOpenRequestsLines(t *testing.T) {
	w := testWiring()
	w.Debounce = 3 * time.Millisecond
	w.HouseLight = Line{Offset: 11, ActiveLow: true, Bias: BiasDisabled}
	c, g, _ := openFake(t, w, (&fakeClock{}).now)
	in := g.inputs()
	if in.debounce != w.Debounce {
		t.Errorf("debounce %v, want %v", in.debounce, w.Debounce)
	}
	want := []lineSpec{{0, true, BiasPullUp}, {1, true, BiasPullUp}, {2, true, BiasPullUp}, {3, true, BiasPullUp}, {4, true, BiasPullUp}, {5, false, ""}}
	if !slices.Equal(in.specs, want) {
		t.Errorf("input specs %v, want %v", in.specs, want)
	}
	for _, l := range w.lines() {
		if l.output == 0 {
			continue
		}
		o := g.out(l.line.Offset)
		if o == nil || o.spec != (lineSpec{l.line.Offset, l.line.ActiveLow, l.line.Bias}) {
			t.Errorf("%s: requested %+v", l.field, o)
		}
	}
	if c.Holes() != 5 {
		t.Errorf("Holes() = %d", c.Holes())
	}
}

func TestOpenRefusesBusyLineAndReleases(t *testing.T) {
	g := newFakeGPIO()
	g.failReq[3] = ErrLineBusy // a hole beam held elsewhere
	_, err := Open(testWiring(), withHost(fakeHost(g, (&fakeClock{}).now)))
	if !errors.Is(err, ErrLineBusy) || !strings.Contains(err.Error(), "inputs") {
		t.Fatalf("got %v, want ErrLineBusy", err)
	}
	for off := range g.outs {
		if _, closed, _ := g.outs[off].get(); !closed {
			t.Errorf("output line %d left requested after a failed Open", off)
		}
	}
	// And a chamber opened twice on the same lines.
	g = newFakeGPIO()
	h := fakeHost(g, (&fakeClock{}).now)
	c, err := Open(testWiring(), withHost(h))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := Open(testWiring(), withHost(h)); !errors.Is(err, ErrLineBusy) {
		t.Errorf("second Open on the same lines: got %v, want ErrLineBusy", err)
	}
}

func TestEventTimesAreKernelTimestamps(t *testing.T) {
	clock := &fakeClock{step: time.Microsecond}
	clock.set(1000 * time.Second)
	w := testWiring()
	c, g, _ := openFake(t, w, clock.now)
	in := g.inputs()
	in.edge(0, true, 1000*time.Second) // before Begin: not delivered
	if _, err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	mono0 := time.Duration(c.mono0.Load())
	// Open read the clock once; Begin reads it twice, one step apart, and
	// takes the middle.
	if want := 1000*time.Second + 2500*time.Nanosecond; mono0 != want {
		t.Errorf("time zero %v, want %v", mono0, want)
	}
	in.edge(1, true, mono0+5*time.Millisecond)
	in.edge(1, false, mono0+25*time.Millisecond)
	in.edge(5, true, mono0+40*time.Millisecond)
	want := []hardware.Event{
		{Input: hardware.Hole(2), Entry: true, At: 5 * time.Millisecond, Seq: 1},
		{Input: hardware.Hole(2), Entry: false, At: 25 * time.Millisecond, Seq: 2},
		{Input: hardware.Magazine, Entry: true, At: 40 * time.Millisecond, Seq: 3},
	}
	for _, w := range want {
		if got := <-c.Events(); got != w {
			t.Errorf("got %v, want %v", got, w)
		}
	}
	if c.early.Load() != 1 {
		t.Errorf("early events %d, want 1", c.early.Load())
	}
	if _, err := c.Begin(); err == nil {
		t.Error("second Begin accepted")
	}
}

func TestDebouncedTimesAreCorrected(t *testing.T) {
	clock := &fakeClock{}
	w := testWiring()
	w.Debounce = 4 * time.Millisecond
	c, g, _ := openFake(t, w, clock.now)
	c.Begin()
	// The kernel timestamps a debounced edge when the line has been stable
	// for the debounce period.
	g.inputs().edge(2, false, 2*time.Millisecond) // stable since before Begin
	g.inputs().edge(2, true, 10*time.Millisecond+w.Debounce)
	g.inputs().edge(2, false, 30*time.Millisecond+w.Debounce)
	if ev := <-c.Events(); ev.At != 10*time.Millisecond || ev.Seq != 1 || !ev.Entry {
		t.Errorf("got %v, want hole3 entry at 10ms (#1)", ev)
	}
	if ev := <-c.Events(); ev.At != 30*time.Millisecond || ev.Seq != 2 || ev.Entry {
		t.Errorf("got %v, want hole3 release at 30ms (#2)", ev)
	}
	if c.early.Load() != 1 {
		t.Errorf("early events %d, want 1", c.early.Load())
	}
}

func TestLostEventsAreCountedAndLogged(t *testing.T) {
	clock := &fakeClock{}
	c, g, logs := openFake(t, testWiring(), clock.now)
	c.Begin()
	in := g.inputs()
	in.edge(0, true, time.Millisecond)
	in.lose(3)
	in.edge(0, false, 2*time.Millisecond)
	<-c.Events()
	if ev := <-c.Events(); ev.Seq != 5 {
		t.Errorf("after 3 lost, Seq %d, want 5", ev.Seq)
	}
	if c.Lost() != 3 {
		t.Errorf("Lost() = %d, want 3", c.Lost())
	}
	waitFor(t, func() bool { return strings.Contains(logs.String(), "lost_total=3") }, "lost events logged: "+logs.String())
}

func TestHandlerNeverBlocks(t *testing.T) {
	clock := &fakeClock{}
	c, g, logs := openFake(t, testWiring(), clock.now, WithEventBuffer(4))
	c.Begin()
	in := g.inputs()
	done := make(chan struct{})
	go func() {
		for i := range 10 {
			in.edge(i%5, i%2 == 0, time.Duration(i+1)*time.Millisecond)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the event handler blocked on a full buffer")
	}
	if c.Dropped() != 6 {
		t.Errorf("Dropped() = %d, want 6", c.Dropped())
	}
	var seqs []uint64
	for range 4 {
		seqs = append(seqs, (<-c.Events()).Seq)
	}
	in.edge(0, true, 20*time.Millisecond)
	seqs = append(seqs, (<-c.Events()).Seq)
	if want := []uint64{1, 2, 3, 4, 11}; !slices.Equal(seqs, want) {
		t.Errorf("Seqs %v, want %v: a drop must show as a gap", seqs, want)
	}
	waitFor(t, func() bool { return strings.Contains(logs.String(), "dropped_total=6") }, "drops logged: "+logs.String())
}

func TestSetReturnsTheTimeOfTheChange(t *testing.T) {
	clock := &fakeClock{step: 10 * time.Microsecond}
	w := testWiring()
	c, g, _ := openFake(t, w, clock.now)
	c.Begin() // Open read 10µs, Begin 20µs and 30µs: time zero is 25µs
	at, err := c.Set(hardware.Stimulus(3), true)
	if err != nil {
		t.Fatal(err)
	}
	// Readings at 40µs and 50µs bracket the call: the middle is 45µs, 20µs
	// after time zero.
	if at != 20*time.Microsecond {
		t.Errorf("Set returned %v, want 20µs", at)
	}
	if v, _, _ := g.out(8).get(); !v {
		t.Error("stimulus3 not on")
	}
	if _, err := c.Set(hardware.Pellet, true); err == nil {
		t.Error("Set(pellet) accepted")
	}
	if _, err := c.Set(hardware.Stimulus(7), true); err == nil || !strings.Contains(err.Error(), "not wired") {
		t.Errorf("Set(stimulus7) on a 5-hole chamber: %v", err)
	}
	if _, err := c.Pulse(hardware.HouseLight); err == nil {
		t.Error("Pulse(house_light) accepted")
	}
	g.out(11).failWith(errors.New("EIO"))
	if _, err := c.Set(hardware.HouseLight, true); err == nil || !strings.Contains(err.Error(), "EIO") {
		t.Errorf("failed set: %v", err)
	}
}

func TestPelletPulse(t *testing.T) {
	w := testWiring()
	w.PelletPulse = 30 * time.Millisecond
	c, g, _ := openFake(t, w, monotonic)
	c.Begin()
	pellet := g.out(w.Pellet.Offset)
	start := time.Now()
	at, err := c.Pulse(hardware.Pellet)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) >= w.PelletPulse {
		t.Error("Pulse waited for the pulse to end")
	}
	if v, _, _ := pellet.get(); !v {
		t.Error("dispenser not on after Pulse")
	}
	// A second pellet asked for during the pulse follows it.
	at2, err := c.Pulse(hardware.Pellet)
	if err != nil {
		t.Fatal(err)
	}
	if at2 != at+2*w.PelletPulse {
		t.Errorf("queued pulse due at %v, want %v", at2, at+2*w.PelletPulse)
	}
	waitFor(t, func() bool { _, _, h := pellet.get(); return len(h) == 4 }, "two pulses")
	if _, _, h := pellet.get(); !slices.Equal(h, []bool{true, false, true, false}) {
		t.Errorf("dispenser went %v, want on off on off", h)
	}
	// Halt cuts a pulse short and cancels the rest.
	c.Pulse(hardware.Pellet)
	c.Pulse(hardware.Pellet)
	if err := c.Halt(); err != nil {
		t.Fatal(err)
	}
	_, _, halted := pellet.get()
	time.Sleep(4 * w.PelletPulse)
	if v, _, h := pellet.get(); v || len(h) != len(halted) || h[len(h)-1] {
		t.Errorf("after Halt: on=%v history %v (at Halt %v), want off and nothing more", v, h, halted)
	}
}

// TestSyncPulse: the sync line goes high at once and low after its pulse,
// without Pulse waiting; a Set of the line (a barcode's edge) takes it
// over from a pulse under way; a halt ends a pulse; a chamber without a
// sync line refuses to pulse one.
func TestSyncPulse(t *testing.T) {
	w := testWiring()
	w.Sync, w.SyncPulse = &Line{Offset: 20}, 15*time.Millisecond
	c, g, _ := openFake(t, w, monotonic)
	c.Begin()
	sync := g.out(20)
	start := time.Now()
	if _, err := c.Pulse(hardware.Sync); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) >= w.SyncPulse {
		t.Error("Pulse waited for the sync pulse to end")
	}
	if v, _, _ := sync.get(); !v {
		t.Error("sync low after Pulse")
	}
	waitFor(t, func() bool { v, _, _ := sync.get(); return !v }, "the pulse's end")
	if _, _, h := sync.get(); !slices.Equal(h, []bool{true, false}) {
		t.Errorf("sync went %v, want high then low", h)
	}
	// A barcode's Set takes the line over from a pulse under way: its end
	// timer no longer lowers it.
	c.Pulse(hardware.Sync)
	if _, err := c.Set(hardware.Sync, true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * w.SyncPulse)
	if v, _, h := sync.get(); !v || len(h) != 4 {
		t.Errorf("after Set(sync, on) during a pulse: high=%v history %v, want still high", v, h)
	}
	c.Set(hardware.Sync, false)
	c.Pulse(hardware.Sync)
	if err := c.Halt(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * w.SyncPulse)
	if v, _, h := sync.get(); v || len(h) != 7 {
		t.Errorf("after Halt: high=%v history %v, want low, one more pulse cut short", v, h)
	}

	plain, _, _ := openFake(t, testWiring(), monotonic)
	plain.Begin()
	if _, err := plain.Pulse(hardware.Sync); err == nil || !strings.Contains(err.Error(), "not wired") {
		t.Errorf("Pulse(sync) without a sync line: %v", err)
	}
}

func TestHaltSwitchesEverythingOff(t *testing.T) {
	w := testWiring()
	c, g, _ := openFake(t, w, (&fakeClock{}).now)
	c.Begin()
	for _, o := range []hardware.Output{hardware.HouseLight, hardware.MagazineLight, hardware.Stimulus(1), hardware.Stimulus(5)} {
		if _, err := c.Set(o, true); err != nil {
			t.Fatal(err)
		}
	}
	g.out(w.MagazineLight.Offset).failWith(errors.New("EIO"))
	err := c.Halt()
	if err == nil || !strings.Contains(err.Error(), "magazine_light") {
		t.Errorf("Halt: %v, want the magazine light's failure", err)
	}
	for _, l := range w.lines() {
		if l.output == 0 || l.output == hardware.MagazineLight {
			continue
		}
		if v, _, _ := g.out(l.line.Offset).get(); v {
			t.Errorf("%v still on after Halt", l.output)
		}
	}
}

func TestClose(t *testing.T) {
	w := testWiring()
	c, g, _ := openFake(t, w, (&fakeClock{}).now)
	c.Begin()
	c.Set(hardware.HouseLight, true)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-c.Events(); ok {
		t.Error("Events still open after Close")
	}
	if !errors.Is(c.Err(), ErrClosed) {
		t.Errorf("Err() = %v, want ErrClosed", c.Err())
	}
	v, closed, h := g.out(w.HouseLight.Offset).get()
	if v || !closed || !slices.Equal(h, []bool{true, false}) {
		t.Errorf("house light: on=%v released=%v history %v: want switched off, then released", v, closed, h)
	}
	if !g.inputs().closed {
		t.Error("inputs not released")
	}
	if _, err := c.Set(hardware.HouseLight, true); !errors.Is(err, ErrClosed) {
		t.Errorf("Set after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := c.Halt(); err != nil {
		t.Errorf("Halt after Close: %v", err)
	}
}

func TestPelletFaultEndsEvents(t *testing.T) {
	w := testWiring()
	w.PelletPulse = 5 * time.Millisecond
	c, g, logs := openFake(t, w, monotonic)
	c.Begin()
	g.out(w.Pellet.Offset).failOffWith(errors.New("EIO")) // on works, off fails
	if _, err := c.Pulse(hardware.Pellet); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-c.Events():
		if ok {
			t.Fatal("unexpected event")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Events not closed after the dispenser could not be switched off")
	}
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "pellet off") {
		t.Errorf("Err() = %v", err)
	}
	if _, err := c.Set(hardware.HouseLight, true); err == nil {
		t.Error("Set accepted on a failed chamber")
	}
	if !strings.Contains(logs.String(), "chamber failed") {
		t.Errorf("fault not logged: %s", logs.String())
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
