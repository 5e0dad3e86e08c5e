package sim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

const ms = time.Millisecond

func TestVirtualOrderAndDeadlines(t *testing.T) {
	s := Script{
		{At: 5 * ms, Input: hardware.Hole(2), Entry: true},
		{At: 5 * ms, Input: hardware.Hole(3), Entry: true}, // same instant: in order listed (R20)
		{At: 10 * ms, Input: hardware.Magazine, Entry: true},
	}
	c := NewVirtual(s)
	if _, err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ev, ok, err := c.Next(ctx, 5*ms)
	if err != nil || ok {
		t.Fatalf("an input at the deadline came first (%v %v): R19 wants the timer first", ev, err)
	}
	if c.Now() != 5*ms {
		t.Errorf("now = %v after reaching the deadline", c.Now())
	}
	var got []hardware.Input
	var seqs []uint64
	for {
		ev, ok, err := c.Next(ctx, hardware.Forever-1)
		if errors.Is(err, ErrHorizon) || !ok {
			break
		}
		got = append(got, ev.Input)
		seqs = append(seqs, ev.Seq)
		if len(got) == 3 {
			break
		}
	}
	want := []hardware.Input{hardware.Hole(2), hardware.Hole(3), hardware.Magazine}
	for i := range want {
		if i >= len(got) || got[i] != want[i] || seqs[i] != uint64(i+1) {
			t.Fatalf("got %v seq %v, want %v with seq 1, 2, 3", got, seqs, want)
		}
	}
}

func TestHorizonAndCancel(t *testing.T) {
	var id ActionID
	sub := subjectFunc(func(a Actions) {
		id = a.Schedule(20*ms, hardware.Hole(1), true)
		a.Schedule(30*ms, hardware.Hole(2), true)
		a.Schedule(50*ms, hardware.Hole(3), true)
	})
	c := NewVirtual(sub, WithHorizon(40*ms))
	c.Begin()
	c.Cancel(id)
	ev, ok, err := c.Next(context.Background(), hardware.Forever)
	if err != nil || !ok || ev.Input != hardware.Hole(2) {
		t.Fatalf("first event %v %v %v: the canceled one should be gone", ev, ok, err)
	}
	if _, _, err := c.Next(context.Background(), hardware.Forever); !errors.Is(err, ErrHorizon) || c.Now() != 40*ms {
		t.Errorf("past the horizon: %v at %v", err, c.Now())
	}
}

type subjectFunc func(Actions)

func (f subjectFunc) Begin(a Actions)                            { f(a) }
func (subjectFunc) Observe(time.Duration, hardware.Output, bool) {}

// watcher records what the subject sees.
type watcher struct{ seen []OutputChange }

func (w *watcher) Begin(Actions) {}
func (w *watcher) Observe(t time.Duration, o hardware.Output, on bool) {
	w.seen = append(w.seen, OutputChange{t, o, on})
}

func TestOutputsReachTheSubjectAndHalt(t *testing.T) {
	w := &watcher{}
	c := NewVirtual(w)
	c.Begin()
	c.Next(context.Background(), 7*ms)
	if at, err := c.Set(hardware.Stimulus(3), true); err != nil || at != 7*ms {
		t.Fatalf("Set = %v, %v", at, err)
	}
	c.Pulse(hardware.Pellet)
	if !c.Lit(hardware.Stimulus(3)) || len(w.seen) != 2 || w.seen[1].Output != hardware.Pellet {
		t.Errorf("seen %v", w.seen)
	}
	if _, err := c.Set(hardware.Pellet, true); err == nil {
		t.Error("Set accepted the pellet dispenser")
	}
	if _, err := c.Pulse(hardware.HouseLight); err == nil {
		t.Error("Pulse accepted a light")
	}
	c.Halt()
	if c.Lit(hardware.Stimulus(3)) {
		t.Error("a light on after Halt")
	}
}

func TestRealtimeDeliversAndFails(t *testing.T) {
	s := Script{{At: 10 * ms, Input: hardware.Magazine, Entry: true}, {At: 20 * ms, Input: hardware.Magazine, Entry: false}}
	c := NewRealtime(s)
	start, _ := c.Begin()
	ev := <-c.Events()
	if ev.Input != hardware.Magazine || !ev.Entry || ev.At != 10*ms {
		t.Errorf("first event %v", ev)
	}
	if time.Since(start) < 10*ms {
		t.Error("delivered before its time")
	}
	<-c.Events()
	cable := errors.New("cable")
	c.Fail(cable)
	if _, ok := <-c.Events(); ok {
		t.Error("events still open after a failure")
	}
	if !errors.Is(c.Err(), cable) {
		t.Errorf("Err = %v", c.Err())
	}
	if _, err := c.Set(hardware.HouseLight, true); err == nil {
		t.Error("a failed chamber accepted a command")
	}
}
