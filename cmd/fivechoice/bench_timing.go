package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"time"

	"github.com/fivechoice/fivechoice/bench"
	"github.com/fivechoice/fivechoice/controller/config"
	"github.com/fivechoice/fivechoice/controller/timing"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// cmdBenchTiming runs simulated chambers with virtual rats on the wall
// clock, through the real runner and the precision scheduler, and reports
// how late the timer-driven transitions were carried out, what it cost in
// CPU and how much memory it took.
func cmdBenchTiming(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench timing", "bench timing [--chambers N] [--duration D] [--protocol NAME] [--db FILE] [--timer scheduler|go]", stderr)
	chambers := fs.Int("chambers", 64, "simulated chambers running at once")
	duration := fs.Duration("duration", time.Minute, "how long to run")
	protocol := fs.String("protocol", "baseline", "built-in parameter set")
	dbPath := fs.String("db", "", "record every session in this database `file` (default: record nothing)")
	timer := fs.String("timer", "scheduler", "what fires deadlines: the precision 'scheduler' or Go's timers ('go'), for comparison")
	spin := fs.Duration("spin", timing.DefaultSpin, "how long before each deadline the scheduler spins instead of sleeping")
	rtPriority := fs.Int("rt-priority", config.DefaultRealtimePriority, "run under SCHED_FIFO at this `priority`, if permitted (0: normal priority)")
	stagger := fs.Duration("stagger", time.Second, "spread of the chambers' start times (0: all at once, the worst case)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *chambers < 1 || *duration <= 0 || *stagger < 0 {
		return errors.New("--chambers and --duration must be positive, --stagger not negative")
	}
	if *timer != "scheduler" && *timer != "go" {
		return fmt.Errorf("--timer %q: want scheduler or go", *timer)
	}
	params, err := protocols.Lookup(*protocol)
	if err != nil {
		return err
	}

	if _, err := timing.SetRealtimePriority(*rtPriority); err != nil {
		fmt.Fprintf(stderr, "warning: %v; running at normal priority, where deadlines can be milliseconds late while other processes keep every core busy (docs/timing.md)\n", err)
	}
	var sched *timing.Scheduler
	if *timer == "scheduler" {
		sched = timing.New(timing.WithSpin(*spin))
		defer sched.Close()
		if err := sched.Stats().Err; err != nil {
			fmt.Fprintln(stderr, "warning:", err)
		}
	}
	var w *storage.Writer
	if *dbPath != "" {
		db, err := storage.Open(ctx, *dbPath)
		if err != nil {
			return err
		}
		defer db.Close()
		for i := range *chambers { // one animal, one chamber
			if err := db.EnsureSubject(ctx, bench.ChamberSubject(i)); err != nil {
				return err
			}
		}
		if w, err = db.NewWriter(storage.WithThreadSetup(timing.LeaveRealtime)); err != nil {
			return err
		}
		defer w.Close()
	}

	fmt.Fprintf(stdout, "Timing: %d simulated chambers with virtual rats, %s protocol, real time for %v, deadlines on %s\n",
		*chambers, *protocol, *duration, timerName(*timer, *spin))
	thread := "none"
	if sched != nil {
		thread = sched.Stats().Priority
	}
	fmt.Fprintf(stdout, "  %s, GOMAXPROCS=%d, %d CPUs, Linux %s; process: %s, scheduler thread: %s\n",
		runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), bench.KernelRelease(), timing.Policy(), thread)

	r := bench.Timing(ctx, bench.TimingOptions{Chambers: *chambers, Duration: *duration, Stagger: *stagger,
		Params: params, Protocol: *protocol, Version: version, Scheduler: sched, Writer: w})
	printTiming(stdout, r, sched)
	if r.Err != nil {
		return fmt.Errorf("%d chambers failed; first: %w", r.Failed, r.Err)
	}
	return nil
}

// printTiming prints what bench timing measured.
func printTiming(stdout io.Writer, r bench.TimingResult, sched *timing.Scheduler) {
	s := r.Lateness
	fmt.Fprintf(stdout, "  transitions: %d in %d sessions\n", s.Count, r.Sessions)
	fmt.Fprintf(stdout, "  lateness:    p50 %v  p99 %v  p99.9 %v  max %v  mean %v\n", us(s.P50), us(s.P99), us(s.P999), us(s.Max), us(s.Mean))
	if sched != nil {
		st := sched.Stats()
		fmt.Fprintf(stdout, "  scheduler:   %d timers fired, p50 %v  p99 %v  p99.9 %v  max %v late; %d sleeps, %d spins, %.1f%% of one core spinning\n",
			st.Fired, us(st.Lateness.P50), us(st.Lateness.P99), us(st.Lateness.P999), us(st.Lateness.Max),
			st.Sleeps, st.Spins, 100*st.Spinning.Seconds()/r.Wall.Seconds())
	}
	if u := r.Usage; u.OK {
		fmt.Fprintf(stdout, "  cpu:         %v user+sys in %v: %.1f%% of one core\n", u.CPU.Round(time.Millisecond), r.Wall.Round(time.Millisecond), 100*u.CPU.Seconds()/r.Wall.Seconds())
		fmt.Fprintf(stdout, "  peak rss:    %.1f MB\n", float64(u.MaxRSS)/(1<<20))
	}
	if r.MachineOK {
		fmt.Fprintf(stdout, "  machine:     %.0f%% of %d CPUs busy during the run (all processes)\n", 100*r.MachineBusy, runtime.NumCPU())
	}
}

func timerName(timer string, spin time.Duration) string {
	if timer == "go" {
		return "Go timers (time.Timer)"
	}
	return fmt.Sprintf("the precision scheduler (spin %v)", spin)
}

// us prints a duration in microseconds.
func us(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 0, 64) + " µs"
}
