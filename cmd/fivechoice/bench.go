package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/fivechoice/fivechoice/bench"
	"github.com/fivechoice/fivechoice/protocols"
)

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "timing" {
		return cmdBenchTiming(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "api" {
		return cmdBenchAPI(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "web" {
		return cmdBenchWeb(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "sessions" {
		fmt.Fprintln(stderr, "Usage: fivechoice bench sessions [--n N] [--db FILE]\n       fivechoice bench timing [--chambers N] [--duration D]\n       fivechoice bench api [--chambers N] [--clients N] [--phase D]\n       fivechoice bench web [--chambers N] [--sessions N] [--pages N] [--phase D]")
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

	v, err := bench.Virtual(ctx, p, *n)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  without storage: %d sessions in %v: %.0f sessions/s (%.1f µs each, %d scored trials)\n",
		v.N, v.Elapsed.Round(time.Millisecond), v.PerSecond(), float64(v.Elapsed.Microseconds())/float64(v.N), v.Trials)
	st, err := bench.Stored(ctx, p, *protocol, version, *n, *dbPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  with storage:    %d sessions in %v: %.0f sessions/s (%d events, %.0f events/s, %.1f MB file, committed)\n",
		st.N, st.Elapsed.Round(time.Millisecond), st.PerSecond(), st.Events, float64(st.Events)/st.Elapsed.Seconds(), float64(st.Size)/1e6)
	return nil
}
