package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// A write is one call a runner makes on its recorder.
type write struct {
	event   *storage.Event
	attempt *protocols.Attempt
}

// sessionWrites is the stream of writes of a 100-trial session much like a
// virtual rat's: about ten events per trial, inputs and outputs mixed, and
// each attempt sent again as it changes (begun, stimulus on, decided,
// collected).
func sessionWrites() []write {
	var out []write
	var seq uint64
	var at time.Duration
	ev := func(e storage.Event) {
		seq++
		at += 150 * time.Millisecond
		e.Seq, e.At = seq, at
		out = append(out, write{event: &e})
	}
	for n := 1; n <= 100; n++ {
		a := protocols.Attempt{N: n, Target: 1 + n%5, ITI: 5 * time.Second, SD: time.Second, ITIStart: at,
			Onset: protocols.None, Response: protocols.None, Collection: protocols.None, FirstPremature: protocols.None}
		att := func() { c := a; out = append(out, write{attempt: &c}) }
		ev(storage.Event{Input: hardware.Magazine, Entry: true, HWSeq: seq, Class: protocols.ClassInitiation, Attempt: n})
		ev(storage.Event{Output: hardware.MagazineLight, On: false, Due: at})
		att()
		ev(storage.Event{Output: hardware.Stimulus(a.Target), On: true, Due: at})
		a.Onset = at
		att()
		ev(storage.Event{Input: hardware.Hole(a.Target), Entry: true, HWSeq: seq, Class: protocols.ClassCorrect, Attempt: n})
		ev(storage.Event{Input: hardware.Hole(a.Target), Entry: false, HWSeq: seq, Class: protocols.ClassRelease})
		ev(storage.Event{Output: hardware.Stimulus(a.Target), On: false, Due: at})
		a.Outcome, a.ResponseHole, a.Response = protocols.Correct, a.Target, at
		att()
		ev(storage.Event{Output: hardware.Pellet, On: true, Due: at})
		ev(storage.Event{Output: hardware.MagazineLight, On: true, Due: at})
		ev(storage.Event{Input: hardware.Magazine, Entry: true, HWSeq: seq, Class: protocols.ClassCollection, Attempt: n})
		ev(storage.Event{Input: hardware.Magazine, Entry: false, HWSeq: seq, Class: protocols.ClassRelease})
		a.Collection = at
		att()
	}
	return out
}

// BenchmarkWriter is the writer alone: whole sessions' writes queued as a
// batch of simulated sessions queues them (ends not waited for), counted
// until everything is committed.
func BenchmarkWriter(b *testing.B) {
	db := mustOpen(b)
	if err := db.EnsureSubject(context.Background(), "R01"); err != nil {
		b.Fatal(err)
	}
	w, err := db.NewWriter()
	if err != nil {
		b.Fatal(err)
	}
	writes := sessionWrites()
	start := time.Now()
	for b.Loop() {
		log, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: protocols.Default(), StartedAt: start}})
		if err != nil {
			b.Fatal(err)
		}
		for _, x := range writes {
			if x.event != nil {
				log.Event(*x.event)
			} else {
				log.Attempt(*x.attempt)
			}
		}
		if err := log.EndQueued(time.Hour, protocols.EndMaxTrials, start, nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sessions/s")
}
