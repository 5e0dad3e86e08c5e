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

// cmdBenchWeb measures the control room (docs/web.md): page render times
// over many stored sessions with many chambers running, and what the live
// stream costs the daemon and its chambers' timing.
func cmdBenchWeb(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench web", "bench web [--chambers N] [--sessions N] [--pages N] [--phase D]", stderr)
	o := bench.Web{}
	fs.IntVar(&o.Chambers, "chambers", 64, "simulated chambers, each running a session on the wall clock")
	fs.IntVar(&o.Sessions, "sessions", 10000, "whole sessions stored before the daemon starts")
	fs.IntVar(&o.Renders, "renders", 20, "requests of each page")
	fs.IntVar(&o.Pages, "pages", 5, "pages holding the live stream in the last phase")
	fs.DurationVar(&o.Phase, "phase", 30*time.Second, "length of each stream phase")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	var err error
	if o.Exe, err = os.Executable(); err != nil {
		return err
	}
	if o.Dir, err = os.MkdirTemp("", "fivechoice-bench-web-"); err != nil {
		return err
	}
	defer os.RemoveAll(o.Dir)
	fmt.Fprintf(stdout, "Control room: %d stored sessions, the daemon with %d simulated chambers on the wall clock, each running a session\n", o.Sessions, o.Chambers)
	res, err := bench.RunWeb(ctx, o)
	fmt.Fprintf(stdout, "seeded in %v, database %.0f MB\n", res.Seeded.Round(time.Second), float64(res.DBBytes)/1e6)
	fmt.Fprintf(stdout, "\n%-28s %9s %9s %9s %9s\n", "page (logged in)", "p50", "p99", "max", "bytes")
	for _, r := range res.Renders {
		fmt.Fprintf(stdout, "%-28.28s %9s %9s %9s %9d\n", r.Path, ms(r.P50), ms(r.P99), ms(r.Max), r.Bytes)
	}
	fmt.Fprintf(stdout, "\n%-6s %7s %9s %8s %9s %9s %8s %11s %8s %9s %8s\n", "pages", "CPU", "B/s/page", "tiles/s", "lat p50", "lat p99", "samples",
		"transitions", "≤0.1ms", "≤1ms", "worst ≤")
	for _, p := range res.Phases {
		within := func(le float64) string {
			if p.Phase.Transitions == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1f%%", 100*float64(p.Phase.Within[le])/float64(p.Phase.Transitions))
		}
		worst := ">100ms"
		if !math.IsInf(p.Phase.Worst, 1) {
			worst = time.Duration(p.Phase.Worst * float64(time.Second)).String()
		}
		fmt.Fprintf(stdout, "%-6d %6.1f%% %9.0f %8.1f %9s %9s %8d %11d %8s %9s %8s\n", p.Pages, 100*p.CPU, p.BytesPerPage, p.Tiles,
			ms(bench.Quantile(p.Latency, 0.5)), ms(bench.Quantile(p.Latency, 0.99)), len(p.Latency), p.Phase.Transitions, within(100e-6), within(1e-3), worst)
	}
	return err
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
