package emulator

import (
	"slices"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial"
)

// A scheduled edge waits for its host instant.
type scheduled struct {
	due    time.Time
	order  uint64
	input  hardware.Input
	entry  bool
	script bool
}

type beams struct{ b *Board }

func (s beams) After(d time.Duration, in hardware.Input, entry bool) { s.b.After(d, in, entry) }

// After breaks (entry) or restores a beam d from now, as a subject does.
func (b *Board) After(d time.Duration, in hardware.Input, entry bool) {
	b.mu.Lock()
	b.scheduleLocked(scheduled{due: time.Now().Add(d), input: in, entry: entry})
	b.mu.Unlock()
}

// scheduleLocked queues an edge, in order of due time and then of
// scheduling. b.mu is held.
func (b *Board) scheduleLocked(s scheduled) {
	b.order++
	s.order = b.order
	i, _ := slices.BinarySearchFunc(b.queue, s, func(a, t scheduled) int {
		if c := a.due.Compare(t.due); c != 0 {
			return c
		}
		return int(a.order) - int(t.order)
	})
	b.queue = slices.Insert(b.queue, i, s)
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// scriptLocked (re)schedules the script from a HELLO at now. b.mu is held.
func (b *Board) scriptLocked(now time.Time) {
	b.queue = slices.DeleteFunc(b.queue, func(s scheduled) bool { return s.script })
	for _, st := range b.cfg.script {
		b.scheduleLocked(scheduled{due: b.hostAfter(now, st.At), input: st.Input, entry: st.Entry, script: true})
	}
}

// act makes the scheduled edges when they are due.
func (b *Board) act() {
	defer b.wg.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		b.mu.Lock()
		var next *scheduled
		if len(b.queue) > 0 {
			s := b.queue[0]
			if !time.Now().Before(s.due) {
				b.queue = b.queue[1:]
				next = &s
			} else {
				t.Reset(time.Until(s.due))
			}
		}
		b.mu.Unlock()
		if next != nil {
			b.edge(next.input, next.entry)
			continue
		}
		select {
		case <-b.done:
			return
		case <-b.wake:
		case <-t.C:
		}
	}
}

// edge breaks or restores a beam now: the board stamps it and reports it.
func (b *Board) edge(in hardware.Input, entry bool) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.mu.Lock()
	if b.silent { // a hung board makes no events
		b.mu.Unlock()
		return
	}
	now := time.Now()
	b.seq++
	e := Edge{Seq: b.seq, Input: in, Entry: entry, Board: b.Clock(now), Host: now}
	b.edges = append(b.edges, e)
	b.mu.Unlock()
	b.sendLocked(serial.Frame{Type: serial.TypeEvent, ID: e.Seq, Time: e.Board, Input: in, On: entry})
}

// Responder is a subject that does the task perfectly: it pokes each lit
// stimulus hole, and enters the magazine when its light comes on, after
// latency, holding each beam broken for 50 ms.
func Responder(latency time.Duration) Subject {
	return SubjectFunc(func(b Beams, o hardware.Output, on bool) {
		if !on {
			return
		}
		in := hardware.Magazine
		if n, ok := o.Stimulus(); ok {
			in = hardware.Hole(n)
		} else if o != hardware.MagazineLight {
			return
		}
		b.After(latency, in, true)
		b.After(latency+50*time.Millisecond, in, false)
	})
}
