package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "timing" {
		return cmdBenchTiming(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "sessions" {
		fmt.Fprintln(stderr, "Usage: fivechoice bench sessions [--n N] [--db FILE]\n       fivechoice bench timing [--chambers N] [--duration D]")
		return errUsage
	}
	fs := newFlags("bench sessions", "bench sessions [--n N] [--db FILE] [--protocol NAME]", stderr)
	n := fs.Int("n", 2000, "sessions to run in each measurement")
	dbPath := fs.String("db", "", "database `file` for the stored measurement (default: a temporary file)")
	protocol := fs.String("protocol", "baseline", "built-in parameter set")
	if err := parse(fs, args[1:], false); err != nil {
		return err
	}
	if *n < 1 {
		return errors.New("--n must be at least 1")
	}
	p, err := protocols.Lookup(*protocol)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Whole %s sessions (max %d trials) with a virtual rat, virtual time; GOMAXPROCS=%d, %s\n",
		*protocol, p.MaxTrials, runtime.GOMAXPROCS(0), runtime.Version())

	if err := benchVirtual(ctx, p, *n, stdout); err != nil {
		return err
	}
	return benchStored(ctx, p, *protocol, *n, *dbPath, stdout)
}

// benchVirtual runs n sessions without storage: protocol, simulated
// chamber and runner only.
func benchVirtual(ctx context.Context, p protocols.Params, n int, stdout io.Writer) error {
	start := time.Now()
	trials := 0
	for i := 0; i < n; i++ {
		p.Seed = uint64(i)
		ps, _ := protocols.NewSession(p)
		ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, p.Seed))
		res, err := controller.Run(ctx, controller.Setup{Protocol: ps, Chamber: ch, Timeline: ch})
		if err != nil {
			return err
		}
		trials += res.Summary.Counters.TrialsScored
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "  without storage: %d sessions in %v: %.0f sessions/s (%.1f µs each, %d scored trials)\n",
		n, el.Round(time.Millisecond), float64(n)/el.Seconds(), float64(el.Microseconds())/float64(n), trials)
	return nil
}

// benchStored runs n sessions storing every event and attempt into an
// SQLite file (path, or a temporary one), and counts until all is committed.
func benchStored(ctx context.Context, p protocols.Params, protocol string, n int, path string, stdout io.Writer) error {
	if path == "" {
		dir, err := os.MkdirTemp("", "fivechoice-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "bench.db")
	}
	db, err := storage.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.EnsureSubject(ctx, "BENCH"); err != nil {
		return err
	}
	w, err := db.NewWriter()
	if err != nil {
		return err
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		p.Seed = uint64(i)
		ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, p.Seed))
		rec, err := controller.RunRecorded(ctx, w, controller.Plan{Provenance: storage.Provenance{Subject: "BENCH", Condition: "baseline", Chamber: "bench", Backend: hardware.BackendSim, Protocol: protocol, Params: p, Version: version}, Batch: true}, controller.Setup{Chamber: ch, Timeline: ch})
		if err == nil {
			err = rec.Result.Err
		}
		if err != nil {
			w.Close()
			return err
		}
	}
	if err := w.Close(); err != nil { // everything committed
		return err
	}
	el := time.Since(start)
	events, err := db.CountEvents(ctx)
	if err != nil {
		return err
	}
	var size int64
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(stdout, "  with storage:    %d sessions in %v: %.0f sessions/s (%d events, %.0f events/s, %.1f MB file, committed)\n",
		n, el.Round(time.Millisecond), float64(n)/el.Seconds(), events, float64(events)/el.Seconds(), float64(size)/1e6)
	return nil
}
