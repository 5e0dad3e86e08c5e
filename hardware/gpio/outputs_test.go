package gpio

import (
	"errors"
	"strings"
	"testing"
)

func TestOutputsOff(t *testing.T) {
	h, g := piHost()
	w := named("pinctrl-bcm2711", "")
	w.HouseLight.ActiveLow = true
	off, err := outputsOff(h, w)
	if err != nil {
		t.Fatal(err)
	}
	if off != (Off{Chip: "gpiochip0", Label: "pinctrl-bcm2711", Outputs: 8}) {
		t.Errorf("got %+v", off)
	}
	p, _ := newFinder(h).place(w)
	for _, l := range p.w.lines() {
		o := g.out(l.line.Offset)
		if l.output == 0 {
			if o != nil {
				t.Errorf("input %s requested as an output", l.field)
			}
			continue
		}
		if o == nil {
			t.Errorf("%s (line %d) not switched off", l.field, l.line.Offset)
			continue
		}
		v, closed, hist := o.get()
		if v || !closed || len(hist) == 0 || o.spec.activeLow != l.line.ActiveLow {
			t.Errorf("%s: value %v, released %v, history %v, active low %v", l.field, v, closed, hist, o.spec.activeLow)
		}
	}

	// A line held by a running program is refused, and the other lines are
	// still switched off.
	g.held[17] = true // the pellet
	g.outs = map[int]*fakeOut{}
	off, err = outputsOff(h, w)
	if !errors.Is(err, ErrLineBusy) || !strings.Contains(err.Error(), "pellet: ") || off.Outputs != 7 {
		t.Errorf("pellet held elsewhere: %d off, %v", off.Outputs, err)
	}
	if g.out(15) == nil {
		t.Error("house light not switched off while the pellet line was held")
	}

	// A wiring that cannot be placed switches nothing and says why.
	if _, err := outputsOff(h, named("pinctrl-rp1", "")); !errors.Is(err, ErrNoChip) {
		t.Errorf("unknown chip: %v", err)
	}
}
