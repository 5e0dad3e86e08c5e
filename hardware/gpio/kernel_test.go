package gpio

// Tests against the real kernel's GPIO character device, on chips made with
// gpio-sim. They need root and the gpio-sim module; scripts/gpio-vm-test.sh
// boots a kernel that has them and runs these tests inside (it sets
// FIVECHOICE_GPIO_VM, so a missing gpio-sim there fails instead of
// skipping).

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/warthog618/go-gpiosim"
)

const gpioSimConfigfs = "/sys/kernel/config/gpio-sim"

func needGPIOSim(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(gpioSimConfigfs); err != nil {
		if os.Getenv("FIVECHOICE_GPIO_VM") != "" {
			t.Fatalf("in the test VM but gpio-sim is missing: %v", err)
		}
		t.Skipf("gpio-sim is not available here (%s: %v); run scripts/gpio-vm-test.sh", gpioSimConfigfs, err)
	}
}

// newSimChip makes a simulated chip of n lines, removed at the end of the
// test.
func newSimChip(t *testing.T, n int) *gpiosim.Chip {
	t.Helper()
	needGPIOSim(t)
	s, err := gpiosim.NewSim(gpiosim.WithBank(gpiosim.NewBank("fivechoice-test", n)))
	if err != nil {
		t.Fatalf("gpio-sim: %v", err)
	}
	t.Cleanup(s.Close)
	return &s.Chips[0]
}

// simWiring is testWiring on a simulated chip, with a mix of active-low and
// active-high lines.
func simWiring(chip *gpiosim.Chip) Wiring {
	w := testWiring()
	w.Chip, w.ChipLabel = chip.ChipName(), chip.Config().Label
	w.MagazineBeam = Line{Offset: 5, Bias: BiasPullDown}
	w.HouseLight.ActiveLow = true
	w.PelletPulse = 50 * time.Millisecond
	return w
}

// simRig is the outside of a chamber on gpio-sim: it pulls input lines and
// reads the levels of output lines, electrically.
type simRig struct {
	w    Wiring
	chip *gpiosim.Chip
}

func (r simRig) level(o hardware.Output) (bool, error) {
	l := outputLine0(r.w, o)
	v, err := r.chip.Level(l.Offset)
	return (v == gpiosim.LevelActive) != l.ActiveLow, err
}

func (r simRig) drive(in hardware.Input, entry bool) error {
	l := inputLine(r.w, in)
	level := gpiosim.LevelInactive
	if entry != l.ActiveLow {
		level = gpiosim.LevelActive
	}
	return r.chip.SetPull(l.Offset, level)
}

func openSim(t *testing.T, w Wiring, opts ...Option) *Chamber {
	t.Helper()
	c, err := Open(w, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// measure logs a figure for scripts/gpio-vm-test.sh to collect.
func measure(t *testing.T, name string, ds []time.Duration) {
	t.Helper()
	t.Logf("MEASURE %s: %s", name, summary(ds))
}

func TestKernelSession(t *testing.T) {
	chip := newSimChip(t, 16)
	w := simWiring(chip)
	w.Debounce = 0
	w.PelletPulse = sessionPelletPulse
	c := openSim(t, w)
	out := runScriptedSession(t, c, simRig{w, chip}, time.Millisecond)
	measure(t, "session_edge_timestamp_minus_drive_mid", out.edgeErrors)
}

func TestKernelSessionDebounced(t *testing.T) {
	chip := newSimChip(t, 16)
	w := simWiring(chip)
	w.Debounce = 5 * time.Millisecond
	w.PelletPulse = sessionPelletPulse
	c := openSim(t, w)
	out := runScriptedSession(t, c, simRig{w, chip}, time.Millisecond)
	measure(t, "session_debounced5ms_edge_timestamp_minus_drive_mid", out.edgeErrors)
}

// TestKernelEventTimestamps drives edges and compares their timestamps with
// the time they were driven, and with the time the events reached the
// reader (what a latency would include without kernel timestamps). The
// kernel stamps an edge inside the sysfs write that makes it, so the
// timestamp must lie between the clock readings just before and just after
// the write, with no tolerance.
func TestKernelEventTimestamps(t *testing.T) {
	chip := newSimChip(t, 16)
	w := simWiring(chip)
	c := openSim(t, w)
	r := simRig{w, chip}
	if _, err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	now := func() time.Duration { return monotonic() - time.Duration(c.mono0.Load()) }
	var fromStart, toEnd, errs, brackets, delivery []time.Duration
	const n = 100
	for i := range n {
		entry := i%2 == 0
		before := now()
		if err := r.drive(hardware.Hole(2), entry); err != nil {
			t.Fatal(err)
		}
		after := now()
		select {
		case ev := <-c.Events():
			got := now()
			if ev.Input != hardware.Hole(2) || ev.Entry != entry || ev.Seq != uint64(i+1) {
				t.Fatalf("edge %d: got %v, want hole2 entry=%v #%d", i, ev, entry, i+1)
			}
			if ev.At < before || ev.At > after {
				t.Errorf("edge %d: timestamp %v outside the write that made it [%v, %v]", i, ev.At, before, after)
			}
			fromStart = append(fromStart, ev.At-before)
			toEnd = append(toEnd, after-ev.At)
			errs = append(errs, ev.At-(before+(after-before)/2))
			brackets = append(brackets, after-before)
			delivery = append(delivery, got-ev.At)
		case <-time.After(5 * time.Second):
			t.Fatalf("edge %d: no event", i)
		}
		time.Sleep(2 * time.Millisecond)
	}
	measure(t, "edge_drive_duration", brackets)
	measure(t, "edge_timestamp_minus_drive_start", fromStart)
	measure(t, "edge_drive_end_minus_timestamp", toEnd)
	measure(t, "edge_timestamp_minus_drive_mid", errs)
	measure(t, "edge_delivery_delay", delivery)
	if c.Lost() != 0 || c.Dropped() != 0 {
		t.Errorf("lost %d, dropped %d", c.Lost(), c.Dropped())
	}
}

// gatedLines holds every input edge back until the test lets it through,
// so that the chamber reads each edge only after its write has returned.
// With stampOnRead it also replaces the kernel's timestamp by the time of
// the read, as a backend without edge timestamps would.
type gatedLines struct {
	lines
	gate        chan struct{}
	stampOnRead bool
}

func (g gatedLines) requestInputs(chip string, ls []lineSpec, debounce time.Duration, h func(edge)) (io.Closer, error) {
	return g.lines.requestInputs(chip, ls, debounce, func(e edge) {
		<-g.gate
		if g.stampOnRead {
			e.timestamp = monotonic()
		}
		h(e)
	})
}

// TestKernelTimestampsNotReadTimes reads every edge late, well after the
// write that made it returned: kernel timestamps still fall inside the
// write, and timestamps taken on reading (emulated) fall outside every
// time. So the bracket of TestKernelEventTimestamps does tell an edge
// timestamp from a read time, whatever the delivery delay.
func TestKernelTimestampsNotReadTimes(t *testing.T) {
	chip := newSimChip(t, 16)
	const n = 20
	if outside := readLate(t, chip, n, false); outside > 0 {
		t.Errorf("kernel timestamps: %d of %d edges outside their write", outside, n)
	}
	if outside := readLate(t, chip, n, true); outside != n {
		t.Errorf("timestamps taken on reading: only %d of %d edges outside their write; the check cannot tell them from edge timestamps", outside, n)
	}
}

// readLate drives n edges, each read by the chamber a while after its
// write returned, and counts those whose timestamp falls outside the write.
func readLate(t *testing.T, chip *gpiosim.Chip, n int, stampOnRead bool) (outside int) {
	w := simWiring(chip)
	g := gatedLines{lines: cdev{}, gate: make(chan struct{}), stampOnRead: stampOnRead}
	c, err := Open(w, withHost(host{gpio: g, monotonic: monotonic, kernelRelease: kernelRelease}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	defer close(g.gate) // first: Close waits for the handler
	if _, err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	now := func() time.Duration { return monotonic() - time.Duration(c.mono0.Load()) }
	for i := range n {
		before := now()
		if err := (simRig{w, chip}).drive(hardware.Hole(1), i%2 == 0); err != nil {
			t.Fatal(err)
		}
		after := now()
		time.Sleep(3 * time.Millisecond) // the edge waits, unread
		g.gate <- struct{}{}
		ev := <-c.Events()
		if ev.At < before || ev.At > after {
			outside++
		}
	}
	t.Logf("stamped on read %v: %d of %d edges outside their write", stampOnRead, outside, n)
	return outside
}

// TestKernelDebounce bounces a beam and checks that one entry comes out,
// timed at the last bounce (the kernel stamps it a debounce period later;
// the chamber takes the period off).
func TestKernelDebounce(t *testing.T) {
	chip := newSimChip(t, 16)
	w := simWiring(chip)
	w.Debounce = 50 * time.Millisecond
	c := openSim(t, w)
	r := simRig{w, chip}
	if _, err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	now := func() time.Duration { return monotonic() - time.Duration(c.mono0.Load()) }
	var errs, gaps []time.Duration
	for round := 0; round < 30 && len(errs) < 10; round++ {
		// Bounce: entry, release, entry, release, entry, as fast as the
		// simulator takes them, then hold. The kernel restarts its
		// debounce timer at every edge, so only the gaps between edges
		// must be shorter than the period (by more than a jiffy).
		var last, prev, widest time.Duration
		for k := range 5 {
			before := now()
			if err := r.drive(hardware.Magazine, k%2 == 0); err != nil {
				t.Fatal(err)
			}
			after := now()
			if k > 0 {
				widest = max(widest, after-prev)
			}
			prev, last = before, before+(after-before)/2
		}
		ev := <-c.Events()
		if ev.Input != hardware.Magazine || !ev.Entry {
			t.Fatalf("round %d: got %v, want one magazine entry", round, ev)
		}
		valid := widest < w.Debounce-10*time.Millisecond
		if !valid {
			t.Logf("round %d: a gap of %v between bounces (an emulated machine under load): not counted", round, widest)
		} else {
			errs = append(errs, ev.At-last)
			gaps = append(gaps, widest)
		}
	quiet: // nothing more, or (in a round not counted) what got through
		for {
			select {
			case ev := <-c.Events():
				if valid {
					t.Fatalf("round %d: a bounce got through: %v", round, ev)
				}
			case <-time.After(2 * w.Debounce):
				break quiet
			}
		}
		if err := r.drive(hardware.Magazine, false); err != nil {
			t.Fatal(err)
		}
		if ev := <-c.Events(); ev.Entry {
			t.Fatalf("round %d: got %v, want the release", round, ev)
		}
	}
	if len(errs) < 5 {
		t.Fatalf("only %d rounds bounced fast enough", len(errs))
	}
	measure(t, "debounce50ms_widest_gap_between_bounces", gaps)
	measure(t, "debounce50ms_timestamp_minus_last_bounce", errs)
}

// TestKernelOutputs times Set and Pulse against the lines' levels.
func TestKernelOutputs(t *testing.T) {
	chip := newSimChip(t, 16)
	w := simWiring(chip)
	w.Sync, w.SyncPulse = &Line{Offset: 14}, DefaultSyncPulse
	c := openSim(t, w)
	r := simRig{w, chip}
	if _, err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	now := func() time.Duration { return monotonic() - time.Duration(c.mono0.Load()) }
	var calls []time.Duration
	for i := range 50 {
		o := []hardware.Output{hardware.HouseLight, hardware.Stimulus(3)}[i%2]
		on := i%4 < 2
		before := now()
		at, err := c.Set(o, on)
		after := now()
		if err != nil {
			t.Fatal(err)
		}
		if at < before || at > after {
			t.Errorf("Set %v: returned %v outside the call [%v, %v]", o, at, before, after)
		}
		calls = append(calls, after-before)
		if got, err := r.level(o); err != nil || got != on {
			t.Errorf("Set(%v, %v): the line reads %v (%v)", o, on, got, err)
		}
	}
	measure(t, "set_call_duration", calls)
	// House light is active-low: on is electrically low.
	c.Set(hardware.HouseLight, true)
	if v, _ := chip.Level(w.HouseLight.Offset); v != gpiosim.LevelInactive {
		t.Error("active-low house light on, but its line is high")
	}

	// A pellet: on at once, off after the pulse, without waiting.
	before := now()
	at, err := c.Pulse(hardware.Pellet)
	if err != nil {
		t.Fatal(err)
	}
	if d := now() - before; d >= w.PelletPulse {
		t.Errorf("Pulse took %v: it waited for the pulse", d)
	}
	var off time.Duration
	for on := true; on; {
		if on, err = r.level(hardware.Pellet); err != nil {
			t.Fatal(err)
		}
		off = now()
		if off-at > time.Second {
			t.Fatal("dispenser still on after 1s")
		}
		time.Sleep(200 * time.Microsecond)
	}
	measure(t, "pellet_pulse_50ms_seen_width", []time.Duration{off - at})
	if off-at < w.PelletPulse {
		t.Errorf("pulse lasted %v, want at least %v", off-at, w.PelletPulse)
	}

	checkKernelSync(t, c, r, now)

	// Halt and Close leave every line off.
	for h := 1; h <= 5; h++ {
		c.Set(hardware.Stimulus(h), true)
	}
	c.Set(hardware.MagazineLight, true)
	if err := c.Halt(); err != nil {
		t.Fatal(err)
	}
	for _, l := range w.lines() {
		if l.output != 0 {
			if on, _ := r.level(l.output); on {
				t.Errorf("%v on after Halt", l.output)
			}
		}
	}
}

func TestKernelDroppedEvents(t *testing.T) {
	chip := newSimChip(t, 16)
	w := simWiring(chip)
	c := openSim(t, w, WithEventBuffer(4))
	r := simRig{w, chip}
	c.Begin()
	for i := range 20 {
		r.drive(hardware.Hole(1), i%2 == 0)
	}
	// Wait until the handler has seen them all. Edges this fast may also be
	// merged by the kernel (two interrupts, one event): that shows as a
	// gap in its sequence numbers, counted by Lost.
	settled := func() uint64 { return c.Dropped() + c.Lost() }
	for n := settled(); ; {
		time.Sleep(300 * time.Millisecond)
		if m := settled(); m == n {
			break
		} else {
			n = m
		}
	}
	if c.Dropped() < 8 {
		t.Fatalf("dropped %d of 20 events with a buffer of 4", c.Dropped())
	}
	var last uint64
	for range 4 {
		ev := <-c.Events()
		if ev.Seq <= last {
			t.Errorf("Seq %d after %d", ev.Seq, last)
		}
		last = ev.Seq
	}
	r.drive(hardware.Hole(1), true)
	ev := <-c.Events()
	if gap := ev.Seq - last - 1; gap < c.Dropped() || gap > c.Dropped()+c.Lost() {
		t.Errorf("gap of %d after dropping %d (kernel lost %d): the drops must show as a gap", gap, c.Dropped(), c.Lost())
	}
	t.Logf("20 edges, buffer 4: dropped %d, kernel merged %d", c.Dropped(), c.Lost())
}

func TestKernelRefusals(t *testing.T) {
	chip := newSimChip(t, 32)
	small := newSimChip(t, 8)
	w := simWiring(chip)
	if err := Check([]Wiring{w}); err != nil {
		t.Fatalf("good wiring refused: %v", err)
	}
	rel, _ := kernelRelease()
	t.Logf("kernel %s accepted", rel)

	// A line used twice across chambers, found before any request.
	w2 := shifted(simWiring(chip), 16)
	if err := Check([]Wiring{w, w2}); err != nil {
		t.Fatalf("two chambers on one chip refused: %v", err)
	}
	w2.Holes[0].Offset = w.MagazineLight.Offset
	err := Check([]Wiring{w, w2})
	if !errors.Is(err, ErrLineTwice) || !strings.Contains(err.Error(), "chamber 2: holes[0].offset") {
		t.Errorf("shared line: %v", err)
	}
	// Within a chamber.
	w3 := simWiring(chip)
	w3.Pellet.Offset = w3.HouseLight.Offset
	var fe *FieldError
	if _, err := Open(w3); !errors.As(err, &fe) || fe.Field != "pellet.offset" {
		t.Errorf("line twice in a chamber: %v", err)
	}
	// And held by the kernel for another chamber.
	c := openSim(t, w)
	if _, err := Open(w); !errors.Is(err, ErrLineBusy) {
		t.Errorf("second Open of the same lines: %v, want ErrLineBusy", err)
	} else {
		t.Logf("lines held: %v", err)
	}
	c.Close()
	c2, err := Open(w)
	if err != nil {
		t.Errorf("Open after Close: %v", err)
	} else {
		c2.Close()
	}

	// A line beyond the chip's last.
	w4 := simWiring(small)
	if _, err := Open(w4); !errors.Is(err, ErrNoLine) || !strings.Contains(err.Error(), "pellet.offset") {
		t.Errorf("line 13 of an 8-line chip: %v", err)
	}
	// A chip that does not exist.
	w5 := simWiring(chip)
	w5.Chip = "gpiochip99"
	if err := Check([]Wiring{w5}); !errors.Is(err, ErrNoChip) {
		t.Errorf("missing chip: %v", err)
	}
	if _, err := Open(w5); !errors.Is(err, ErrNoChip) {
		t.Errorf("missing chip: %v", err)
	}
	t.Logf("refusals read, e.g.: %v", Check([]Wiring{w, w2, w4, w5}))
}

// shifted is w with every line moved by d.
func shifted(w Wiring, d int) Wiring {
	w.Holes = append([]Line(nil), w.Holes...)
	w.StimulusLights = append([]Line(nil), w.StimulusLights...)
	for i := range w.Holes {
		w.Holes[i].Offset += d
		w.StimulusLights[i].Offset += d
	}
	w.MagazineBeam.Offset += d
	w.HouseLight.Offset += d
	w.MagazineLight.Offset += d
	w.Pellet.Offset += d
	return w
}
