// Package bench measures the controller: whole virtual sessions per second,
// with and without storage, and how late timer-driven transitions are
// carried out on the wall clock. It returns figures; the command prints
// them.
package bench

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// Subject is the subject every benchmark session is recorded under.
const Subject = "BENCH"

// Sessions is what running n whole sessions took.
type Sessions struct {
	N       int
	Elapsed time.Duration
	Trials  int   // scored trials, without storage
	Events  int64 // events stored, with storage
	Size    int64 // database file size in bytes, with storage
}

// Virtual runs n sessions of p without storage: protocol, simulated chamber
// and runner only, on virtual time with a virtual rat (seeds 0..n-1).
func Virtual(ctx context.Context, p protocols.Params, n int) (Sessions, error) {
	start := time.Now()
	out := Sessions{N: n}
	for i := 0; i < n; i++ {
		p.Seed = uint64(i)
		ps, _ := protocols.NewSession(p)
		ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, p.Seed))
		res, err := controller.Run(ctx, controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch})
		if err != nil {
			return out, err
		}
		out.Trials += res.Summary.Counters.TrialsScored
	}
	out.Elapsed = time.Since(start)
	return out, nil
}

// Stored runs n sessions storing every event and attempt into an SQLite
// file (path, or a temporary one), and counts until all is committed.
// protocol and version are recorded with each session.
func Stored(ctx context.Context, p protocols.Params, protocol, version string, n int, path string) (Sessions, error) {
	out := Sessions{N: n}
	if path == "" {
		dir, err := os.MkdirTemp("", "fivechoice-bench")
		if err != nil {
			return out, err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "bench.db")
	}
	db, err := storage.Open(ctx, path)
	if err != nil {
		return out, err
	}
	defer db.Close()
	if err := db.EnsureSubject(ctx, Subject); err != nil {
		return out, err
	}
	w, err := db.NewWriter()
	if err != nil {
		return out, err
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		p.Seed = uint64(i)
		ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, p.Seed))
		plan := controller.Plan{Provenance: storage.Provenance{Subject: Subject, Condition: "baseline", Chamber: "bench",
			Backend: hardware.BackendSim, Protocol: protocol, Params: p, Version: version}, Batch: true}
		rec, err := controller.RunRecorded(ctx, w, plan, controller.Setup{Chamber: ch, Timeline: ch})
		if err == nil {
			err = rec.Result.Err
		}
		if err != nil {
			w.Close()
			return out, err
		}
	}
	if err := w.Close(); err != nil { // everything committed
		return out, err
	}
	out.Elapsed = time.Since(start)
	if out.Events, err = db.CountEvents(ctx); err != nil {
		return out, err
	}
	if fi, err := os.Stat(path); err == nil {
		out.Size = fi.Size()
	}
	return out, nil
}

// PerSecond is sessions per second.
func (s Sessions) PerSecond() float64 { return float64(s.N) / s.Elapsed.Seconds() }
