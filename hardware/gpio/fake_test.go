package gpio

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/internal/logbuf"
)

// fakeGPIO is a GPIO chip in memory: lines that can be requested once,
// outputs that remember their values and inputs whose edges a test makes.
type fakeGPIO struct {
	mu      sync.Mutex
	nlines  map[string]int      // chip name (gpiochipN) → number of lines
	labels  map[string]string   // chip name → label
	names   map[string][]string // chip name → line names, by offset
	links   map[string]string   // symlink path → the path it leads to
	denied  map[string]bool     // chips that cannot be opened
	held    map[int]bool        // offsets requested (on any chip: tests use one)
	outs    map[int]*fakeOut
	in      *fakeInputs
	failReq map[int]error // requests of these offsets fail
}

func newFakeGPIO() *fakeGPIO {
	return &fakeGPIO{
		nlines:  map[string]int{"gpiochip0": 32},
		labels:  map[string]string{"gpiochip0": "fake-chip"},
		names:   map[string][]string{},
		links:   map[string]string{},
		denied:  map[string]bool{},
		held:    map[int]bool{},
		outs:    map[int]*fakeOut{},
		failReq: map[int]error{},
	}
}

// addChip adds a chip with a label and, optionally, line names.
func (g *fakeGPIO) addChip(name, label string, lines int, names ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nlines[name], g.labels[name] = lines, label
	if len(names) > 0 {
		g.names[name] = append(names, make([]string, lines-len(names))...)
	}
}

func (g *fakeGPIO) chips() ([]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for n := range g.nlines {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

func (g *fakeGPIO) chipInfo(path string) (chipInfo, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if to, ok := g.links[path]; ok {
		path = to
	}
	chip := strings.TrimPrefix(path, "/dev/")
	n, ok := g.nlines[chip]
	switch {
	case !ok:
		return chipInfo{}, fmt.Errorf("%w: %s", ErrNoChip, path)
	case g.denied[chip]:
		return chipInfo{}, fmt.Errorf("%w: %s: permission denied", ErrNoAccess, path)
	}
	names := g.names[chip]
	if names == nil {
		names = make([]string, n)
	}
	return chipInfo{name: chip, label: g.labels[chip], lines: n, lineNames: names}, nil
}

func (g *fakeGPIO) claim(chip string, offsets ...int) error {
	for _, o := range offsets {
		if err := g.failReq[o]; err != nil {
			return err
		}
		if o >= g.nlines[chip] {
			return fmt.Errorf("%w: %s line %d", ErrNoLine, chip, o)
		}
		if g.held[o] {
			return fmt.Errorf("%w: %s line %d", ErrLineBusy, chip, o)
		}
	}
	for _, o := range offsets {
		g.held[o] = true
	}
	return nil
}

func (g *fakeGPIO) requestInputs(chip string, ls []lineSpec, debounce time.Duration, h func(edge)) (io.Closer, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var offs []int
	for _, l := range ls {
		offs = append(offs, l.offset)
	}
	if err := g.claim(chip, offs...); err != nil {
		return nil, err
	}
	g.in = &fakeInputs{g: g, specs: ls, debounce: debounce, handler: h}
	return g.in, nil
}

func (g *fakeGPIO) requestOutput(chip string, l lineSpec) (outputLine, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.claim(chip, l.offset); err != nil {
		return nil, err
	}
	o := &fakeOut{g: g, spec: l}
	g.outs[l.offset] = o
	return o, nil
}

func (g *fakeGPIO) out(offset int) *fakeOut {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.outs[offset]
}

func (g *fakeGPIO) inputs() *fakeInputs {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.in
}

type fakeOut struct {
	g       *fakeGPIO
	spec    lineSpec
	mu      sync.Mutex
	value   bool
	history []bool
	closed  bool
	fail    error // setValue fails with it
	failOff error // setValue(false) fails with it
}

func (o *fakeOut) setValue(v bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return fmt.Errorf("fake: line %d closed", o.spec.offset)
	}
	if o.fail != nil {
		return o.fail
	}
	if !v && o.failOff != nil {
		return o.failOff
	}
	o.value = v
	o.history = append(o.history, v)
	return nil
}

func (o *fakeOut) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	o.g.mu.Lock()
	delete(o.g.held, o.spec.offset)
	o.g.mu.Unlock()
	return nil
}

func (o *fakeOut) get() (value, closed bool, history []bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.value, o.closed, append([]bool(nil), o.history...)
}

func (o *fakeOut) failWith(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fail = err
}

func (o *fakeOut) failOffWith(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failOff = err
}

// fakeInputs is an input request. Its edges are handed to the handler
// serially, as the library's goroutine does.
type fakeInputs struct {
	g        *fakeGPIO
	specs    []lineSpec
	debounce time.Duration
	mu       sync.Mutex
	handler  func(edge)
	seqno    uint32
	closed   bool
}

// edge makes an edge with the kernel timestamp ts.
func (f *fakeInputs) edge(offset int, active bool, ts time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.seqno++
	f.handler(edge{offset: offset, active: active, timestamp: ts, seqno: f.seqno, lineSeqno: f.seqno})
}

// lose makes the kernel lose n events.
func (f *fakeInputs) lose(n uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seqno += n
}

func (f *fakeInputs) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// fakeClock is a CLOCK_MONOTONIC that advances by step at every reading.
type fakeClock struct {
	ns   atomic.Int64
	step time.Duration
}

func (c *fakeClock) now() time.Duration  { return time.Duration(c.ns.Add(int64(c.step))) }
func (c *fakeClock) set(t time.Duration) { c.ns.Store(int64(t)) }

func fakeHost(g *fakeGPIO, clock func() time.Duration) host {
	return host{gpio: g, monotonic: clock, kernelRelease: func() (string, error) { return "6.1.0-18-amd64", nil }}
}

// testWiring is a five-hole chamber on lines 0..13 of gpiochip0.
func testWiring() Wiring {
	w := Wiring{
		Chip:          "gpiochip0",
		ChipLabel:     "fake-chip",
		MagazineBeam:  Line{Offset: 5},
		HouseLight:    Line{Offset: 11},
		MagazineLight: Line{Offset: 12},
		Pellet:        Line{Offset: 13},
		PelletPulse:   20 * time.Millisecond,
	}
	for i := range 5 {
		w.Holes = append(w.Holes, Line{Offset: i, ActiveLow: true, Bias: BiasPullUp})
		w.StimulusLights = append(w.StimulusLights, Line{Offset: 6 + i})
	}
	return w
}

// openFake opens w on a fake chip with a fake clock.
func openFake(t *testing.T, w Wiring, clock func() time.Duration, opts ...Option) (*Chamber, *fakeGPIO, *logbuf.Buffer) {
	t.Helper()
	g := newFakeGPIO()
	logs := &logbuf.Buffer{}
	opts = append([]Option{withHost(fakeHost(g, clock)), WithLogger(slog.New(slog.NewTextHandler(logs, nil)))}, opts...)
	c, err := Open(w, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, g, logs
}

// fakeRig drives a fake chamber from outside, for the scripted session.
type fakeRig struct {
	w Wiring
	g *fakeGPIO
}

func (r fakeRig) level(o hardware.Output) (bool, error) {
	v, _, _ := r.g.out(outputLine0(r.w, o).Offset).get()
	return v, nil
}

func (r fakeRig) drive(in hardware.Input, entry bool) error {
	r.g.inputs().edge(inputLine(r.w, in).Offset, entry, monotonic())
	return nil
}

// inputLine and outputLine0 find a line of a wiring.
func inputLine(w Wiring, in hardware.Input) Line {
	for _, l := range w.lines() {
		if l.input == in {
			return l.line
		}
	}
	panic(fmt.Sprintf("no line for %v", in))
}

func outputLine0(w Wiring, o hardware.Output) Line {
	for _, l := range w.lines() {
		if l.output == o {
			return l.line
		}
	}
	panic(fmt.Sprintf("no line for %v", o))
}
