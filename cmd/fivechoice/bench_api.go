package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/fivechoice/fivechoice/bench"
)

// cmdBenchAPI runs the daemon with simulated chambers on the wall clock
// and measures their timer lateness with and without clients loading the
// API, in one run (docs/timing.md, "Serving and timing").
func cmdBenchAPI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench api", "bench api [--chambers N] [--clients N] [--phase D]", stderr)
	chambers := fs.Int("chambers", 16, "simulated chambers, each running a session on the wall clock")
	clients := fs.Int("clients", 16, "API clients reading as fast as they can in the load phase")
	phase := fs.Duration("phase", 30*time.Second, "length of each phase")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "fivechoice-bench-api-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(stdout, "API load: the daemon with %d simulated chambers on the wall clock; %d clients reading chambers, session lists, sessions with attempts and /metrics; phases of %v\n",
		*chambers, *clients, *phase)
	phases, err := bench.RunAPILoad(ctx, bench.APILoad{Exe: exe, Dir: dir, Chambers: *chambers, Clients: *clients, Phase: *phase})
	fmt.Fprintf(stdout, "%-12s %11s %8s %8s %8s %9s %9s %8s %7s %5s %8s\n",
		"phase", "transitions", "≤0.1ms", "≤1ms", "≤5ms", "worst ≤", "requests/s", "refused", "threads", "fds", "RSS MB")
	for _, p := range phases {
		pct := func(le float64) string {
			if p.Transitions == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1f%%", 100*float64(p.Within[le])/float64(p.Transitions))
		}
		worst := ">100ms"
		if !math.IsInf(p.Worst, 1) {
			worst = time.Duration(p.Worst * float64(time.Second)).String()
		}
		fmt.Fprintf(stdout, "%-12s %11d %8s %8s %8s %9s %9.0f %8d %7d %5d %8.1f\n",
			p.Name, p.Transitions, pct(100e-6), pct(1e-3), pct(5e-3), worst, float64(p.Requests)/p.Elapsed.Seconds(),
			p.Refused, p.Threads, p.FDs, float64(p.RSS)/1e6)
		if p.Failed > 0 {
			fmt.Fprintf(stdout, "  %d requests failed (neither 200 nor 503)\n", p.Failed)
		}
	}
	return err
}
