package gpio

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// A rig is the outside of a chamber: what a subject does to its beams and
// what an observer sees of its outputs. The fake chip and gpio-sim both
// have one, so the same scripted session runs on either.
type rig interface {
	level(o hardware.Output) (on bool, err error)
	drive(in hardware.Input, entry bool) error
}

// A driven edge: what the subject did and the session times just before
// and after it did it.
type driven struct {
	in            hardware.Input
	entry         bool
	before, after time.Duration
}

func (d driven) mid() time.Duration { return d.before + (d.after-d.before)/2 }

// A seen output change, as the observer polling the rig saw it.
type seen struct {
	out hardware.Output
	on  bool
	at  time.Duration
}

// subject drives a rig and watches its outputs on a chamber's session
// clock.
type subject struct {
	t    *testing.T
	r    rig
	c    *Chamber
	outs []hardware.Output

	mu     sync.Mutex
	lit    map[hardware.Output]bool
	seen   []seen
	edges  []driven
	failed error
	wake   chan struct{}
}

func newSubject(t *testing.T, c *Chamber, r rig) *subject {
	s := &subject{t: t, r: r, c: c, lit: map[hardware.Output]bool{}, wake: make(chan struct{}, 1)}
	for _, l := range c.w.lines() {
		if l.output != 0 {
			s.outs = append(s.outs, l.output)
		}
	}
	return s
}

func (s *subject) now() time.Duration { return monotonic() - time.Duration(s.c.mono0.Load()) }

// watch polls the outputs every period until stop is closed.
func (s *subject) watch(period time.Duration, stop <-chan struct{}) {
	for {
		for _, o := range s.outs {
			on, err := s.r.level(o)
			at := s.now()
			s.mu.Lock()
			if err != nil && s.failed == nil {
				s.failed = fmt.Errorf("read %v: %w", o, err)
			}
			if err == nil && on != s.lit[o] {
				s.lit[o] = on
				s.seen = append(s.seen, seen{o, on, at})
			}
			s.mu.Unlock()
		}
		select {
		case s.wake <- struct{}{}:
		default:
		}
		select {
		case <-stop:
			return
		case <-time.After(period):
		}
	}
}

// await waits until cond holds of the lit outputs.
func (s *subject) await(what string, cond func(lit map[hardware.Output]bool) bool) map[hardware.Output]bool {
	deadline := time.After(20 * time.Second)
	for {
		s.mu.Lock()
		ok, err := cond(s.lit), s.failed
		lit := maps(s.lit)
		s.mu.Unlock()
		if err != nil {
			panic(err)
		}
		if ok {
			return lit
		}
		select {
		case <-s.wake:
		case <-deadline:
			panic(fmt.Sprintf("timed out waiting for %s; lit: %v", what, lit))
		}
	}
}

func maps(m map[hardware.Output]bool) map[hardware.Output]bool {
	out := map[hardware.Output]bool{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// set breaks or restores a beam, timing it.
func (s *subject) set(in hardware.Input, entry bool) {
	before := s.now()
	if err := s.r.drive(in, entry); err != nil {
		panic(fmt.Sprintf("drive %v: %v", in, err))
	}
	after := s.now()
	s.mu.Lock()
	s.edges = append(s.edges, driven{in, entry, before, after})
	s.mu.Unlock()
}

// poke is an entry held for 30ms, and 80ms before anything else (a rat
// takes longer than that from one aperture to another); it returns the
// entry's index among the edges driven.
func (s *subject) poke(in hardware.Input) int {
	s.set(in, true)
	s.mu.Lock()
	i := len(s.edges) - 1
	s.mu.Unlock()
	time.Sleep(30 * time.Millisecond)
	s.set(in, false)
	time.Sleep(80 * time.Millisecond)
	return i
}

func litStimulus(lit map[hardware.Output]bool) int {
	for h := 1; h <= hardware.MaxHoles; h++ {
		if lit[hardware.Stimulus(h)] {
			return h
		}
	}
	return 0
}

// sessionParams is a short session: ITI 500ms, SD 200ms, LH 1s, TO 300ms,
// three scored trials, automatic initiation after a time-out. The ITI and
// LH leave the subject room to be late on a loaded, emulated machine.
func sessionParams() protocols.Params {
	p := protocols.Default()
	p.Holes = 5
	p.ITI = protocols.Duration(500 * time.Millisecond)
	p.StimulusDuration = protocols.Duration(200 * time.Millisecond)
	p.LimitedHold = protocols.Duration(time.Second)
	p.Timeout = protocols.Duration(300 * time.Millisecond)
	p.MaxTrials = 3
	p.Initiation = protocols.InitiationAuto
	p.MaxDuration = protocols.Duration(2 * time.Minute)
	p.Seed = 5
	return p
}

// sessionPelletPulse is long enough for the observer, polling, to see
// every pulse even when it is starved of CPU for a while.
const sessionPelletPulse = 200 * time.Millisecond

// sessionOutcome is what a scripted session measured.
type sessionOutcome struct {
	edgeErrors []time.Duration // recorded At − the middle of the drive
}

// runScriptedSession runs a whole session through controller.Run on c,
// with a subject on r that: initiates at the magazine, responds correctly
// and collects the pellet, pokes prematurely, responds at the wrong hole,
// and omits. It checks that the recorded events and attempts match what
// was driven and what the outputs showed.
func runScriptedSession(t *testing.T, c *Chamber, r rig, poll time.Duration) sessionOutcome {
	t.Helper()
	s := newSubject(t, c, r)
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() { defer close(watched); s.watch(poll, stop) }()
	defer func() { close(stop); <-watched }()

	p, err := protocols.NewSession(sessionParams())
	if err != nil {
		t.Fatal(err)
	}
	rec := &controller.Memory{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	targets := make([]int, 0, 3) // lights seen: attempts 1, 3, 4
	wrong := 0
	var initiation, correct, collection, premature, incorrect int // edge indices
	script := make(chan any, 1)
	go func() {
		defer func() { script <- recover() }()
		s.await("house and magazine lights", func(l map[hardware.Output]bool) bool {
			return l[hardware.HouseLight] && l[hardware.MagazineLight]
		})
		initiation = s.poke(hardware.Magazine) // attempt 1
		l := s.await("attempt 1 stimulus", func(l map[hardware.Output]bool) bool { return litStimulus(l) > 0 })
		targets = append(targets, litStimulus(l))
		correct = s.poke(hardware.Hole(targets[0]))
		s.await("reward: magazine light", func(l map[hardware.Output]bool) bool {
			return l[hardware.MagazineLight] && litStimulus(l) == 0
		})
		collection = s.poke(hardware.Magazine) // attempt 2's ITI begins; ~110ms of 500 pass
		if l := s.await("ITI", func(map[hardware.Output]bool) bool { return true }); litStimulus(l) != 0 {
			panic("the ITI was over before the premature poke")
		}
		premature = s.poke(hardware.Hole(1)) // time-out, then attempt 3
		l = s.await("attempt 3 stimulus", func(l map[hardware.Output]bool) bool { return litStimulus(l) > 0 })
		targets = append(targets, litStimulus(l))
		wrong = targets[1]%5 + 1
		incorrect = s.poke(hardware.Hole(wrong))
		s.await("stimulus off", func(l map[hardware.Output]bool) bool { return litStimulus(l) == 0 })
		l = s.await("attempt 4 stimulus", func(l map[hardware.Output]bool) bool { return litStimulus(l) > 0 })
		targets = append(targets, litStimulus(l)) // and no response: omission
	}()

	res, err := controller.Run(ctx, controller.Setup{Protocol: p, Chamber: c, Recorder: rec})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if v := <-script; v != nil {
		t.Fatalf("subject: %v", v)
	}
	if res.Err != nil || res.EndReason != protocols.EndMaxTrials {
		t.Fatalf("session ended %q (err %v), want %q", res.EndReason, res.Err, protocols.EndMaxTrials)
	}
	// Let the watcher see the end, and the last pellet pulse finish.
	time.Sleep(2*c.w.PelletPulse + 10*poll)

	events, attempts := rec.Events(), rec.Attempts()
	s.mu.Lock()
	defer s.mu.Unlock()

	// The inputs recorded are the edges driven, in order, with no gap.
	var inputs []storage.Event
	for _, e := range events {
		if e.IsInput() {
			inputs = append(inputs, e)
		}
	}
	if len(inputs) != len(s.edges) {
		t.Fatalf("recorded %d input events, drove %d edges", len(inputs), len(s.edges))
	}
	var out sessionOutcome
	for i, e := range inputs {
		d := s.edges[i]
		if e.Input != d.in || e.Entry != d.entry {
			t.Errorf("input %d: recorded %v entry=%v, drove %v entry=%v", i, e.Input, e.Entry, d.in, d.entry)
		}
		if i > 0 && e.HWSeq != inputs[i-1].HWSeq+1 {
			t.Errorf("input %d: sequence %d after %d", i, e.HWSeq, inputs[i-1].HWSeq)
		}
		// The kernel timestamp lies within the drive (R18). A debounced
		// edge is stamped when the kernel's debounce work runs: the period
		// (which the chamber takes off) rounded to jiffies, plus the
		// workqueue's delay, which is long under emulation.
		early, late := 100*time.Microsecond, 5*time.Millisecond
		if c.w.Debounce > 0 {
			early, late = c.w.Debounce+early, 100*time.Millisecond
		}
		if e.At < d.before-early || e.At > d.after+late {
			t.Errorf("input %d (%v): recorded at %v, driven between %v and %v", i, e.Input, e.At, d.before, d.after)
		}
		out.edgeErrors = append(out.edgeErrors, e.At-d.mid())
	}
	if c.Lost() != 0 || c.Dropped() != 0 {
		t.Errorf("lost %d, dropped %d events", c.Lost(), c.Dropped())
	}

	// The attempts are what the subject did.
	want := []struct {
		outcome protocols.Outcome
		target  int
		hole    int
	}{
		{protocols.Correct, targets[0], targets[0]},
		{protocols.Premature, 0, 1},
		{protocols.Incorrect, targets[1], wrong},
		{protocols.Omission, targets[2], 0},
	}
	if len(attempts) != len(want) {
		t.Fatalf("%d attempts recorded, want %d: %+v", len(attempts), len(want), attempts)
	}
	for i, w := range want {
		a := attempts[i+1]
		if a.Outcome != w.outcome || a.ResponseHole != w.hole || (w.target != 0 && a.Target != w.target) {
			t.Errorf("attempt %d: %v target %d hole %d; want %v target %d hole %d", a.N, a.Outcome, a.Target, a.ResponseHole, w.outcome, w.target, w.hole)
		}
	}
	a1, a2, a3 := attempts[1], attempts[2], attempts[3]
	for _, c := range []struct {
		what string
		got  time.Duration
		edge int
	}{
		{"attempt 1 ITI start", a1.ITIStart, initiation},
		{"attempt 1 response", a1.Response, correct},
		{"attempt 1 collection", a1.Collection, collection},
		{"attempt 2 ITI start", a2.ITIStart, collection},
		{"attempt 2 premature response", a2.Response, premature},
		{"attempt 3 response", a3.Response, incorrect},
	} {
		if c.got != inputs[c.edge].At {
			t.Errorf("%s at %v, want the recorded entry's %v", c.what, c.got, inputs[c.edge].At)
		}
	}

	// The outputs recorded are those the observer saw: never before they
	// were recorded, and not long after (the observer polls, and an
	// emulated machine under load can be slow to let it).
	var onsets []seen
	for _, v := range s.seen {
		if _, ok := v.out.Stimulus(); ok && v.on {
			onsets = append(onsets, v)
		}
	}
	var recorded []storage.Event
	pellets := 0
	for _, e := range events {
		if _, ok := e.Output.Stimulus(); ok && e.On {
			recorded = append(recorded, e)
		}
		if e.Output == hardware.Pellet {
			pellets++
		}
	}
	if len(onsets) != 3 || len(recorded) != 3 {
		t.Fatalf("stimulus onsets: saw %v, recorded %v", onsets, recorded)
	}
	for i := range onsets {
		if onsets[i].out != recorded[i].Output || onsets[i].out != hardware.Stimulus(targets[i]) {
			t.Errorf("onset %d: saw %v, recorded %v", i, onsets[i].out, recorded[i].Output)
		}
		if lag := onsets[i].at - recorded[i].At; lag < -time.Millisecond || lag > 500*time.Millisecond {
			t.Errorf("onset %d: recorded at %v, seen at %v", i, recorded[i].At, onsets[i].at)
		}
	}
	for _, n := range []int{1, 3, 4} {
		if a := attempts[n]; !slices.ContainsFunc(recorded, func(e storage.Event) bool { return e.At == a.Onset }) {
			t.Errorf("attempt %d onset %v is not a recorded light onset", n, a.Onset)
		}
	}
	pulses := 0
	for _, v := range s.seen {
		if v.out == hardware.Pellet && v.on {
			pulses++
		}
	}
	if pellets != 2 || pulses != 2 {
		t.Errorf("pellets: recorded %d, saw %d pulses, want 2 (free pellet and one correct)", pellets, pulses)
	}
	// Halt left everything off.
	for _, o := range s.outs {
		if on, err := r.level(o); err != nil || on {
			t.Errorf("%v on=%v (%v) after the session", o, on, err)
		}
	}
	return out
}

func TestSessionOnFakeChip(t *testing.T) {
	w := testWiring()
	w.PelletPulse = sessionPelletPulse
	c, g, _ := openFake(t, w, monotonic)
	out := runScriptedSession(t, c, fakeRig{w: w, g: g}, time.Millisecond)
	t.Logf("edge error: %s", summary(out.edgeErrors))
}

// summary describes a sample of durations.
func summary(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n=0"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(f float64) time.Duration { return s[int(f*float64(len(s)-1)+0.5)] }
	return fmt.Sprintf("n=%d min=%v median=%v p95=%v max=%v", len(s), s[0], q(0.5), q(0.95), s[len(s)-1])
}
