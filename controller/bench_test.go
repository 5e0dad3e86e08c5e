package controller_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// BenchmarkSessionVirtual runs whole 100-trial baseline sessions with a
// virtual rat on virtual time, recording nothing: the cost of the protocol,
// the simulated chamber and the runner.
func BenchmarkSessionVirtual(b *testing.B) {
	p, _ := protocols.Lookup("baseline")
	b.ReportAllocs()
	trials := 0
	for i := 0; b.Loop(); i++ {
		p.Seed = uint64(i)
		res := runVirtual(b, p, nil)
		trials += res.Summary.Counters.TrialsScored
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
	if trials != 100*b.N {
		b.Fatalf("%d trials in %d sessions", trials, b.N)
	}
}

// BenchmarkSessionStored is BenchmarkSessionVirtual with every event and
// attempt stored in a file database through the writer.
func BenchmarkSessionStored(b *testing.B) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.EnsureSubject(ctx, "R01"); err != nil {
		b.Fatal(err)
	}
	w, err := db.NewWriter()
	if err != nil {
		b.Fatal(err)
	}
	p, _ := protocols.Lookup("baseline")
	b.ReportAllocs()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		p.Seed = uint64(i)
		ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, p.Seed))
		rec, err := controller.RunRecorded(ctx, w, controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Chamber: "bench", Backend: "sim", Protocol: "baseline", Params: p}, Batch: true},
			controller.Setup{Chamber: ch, Timeline: ch})
		if err != nil || rec.Result.Err != nil {
			b.Fatal(err, rec.Result.Err)
		}
	}
	if err := w.Close(); err != nil { // the batch is durable
		b.Fatal(err)
	}
	// The rate counts until everything is committed, not just queued.
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sessions/s")
}

func runVirtual(tb testing.TB, p protocols.Params, rec controller.Recorder) controller.Result {
	tb.Helper()
	ps, err := protocols.NewSession(p)
	if err != nil {
		tb.Fatal(err)
	}
	ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, p.Seed))
	res, err := controller.Run(context.Background(), controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch, Recorder: rec})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}
