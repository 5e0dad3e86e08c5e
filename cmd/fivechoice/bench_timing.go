package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/controller/config"
	"github.com/fivechoice/fivechoice/controller/timing"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
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
	var after sim.TimerFunc // nil: Go's timers
	if *timer == "scheduler" {
		sched = timing.New(timing.WithSpin(*spin))
		defer sched.Close()
		if err := sched.Stats().Err; err != nil {
			fmt.Fprintln(stderr, "warning:", err)
		}
		after = func(d time.Time) (<-chan time.Time, func() bool) { t := sched.Timer(d); return t.C, t.Stop }
	}
	var w *storage.Writer
	if *dbPath != "" {
		db, err := storage.Open(ctx, *dbPath)
		if err != nil {
			return err
		}
		defer db.Close()
		for i := range *chambers { // one animal, one chamber
			if err := db.EnsureSubject(ctx, benchSubject(i)); err != nil {
				return err
			}
		}
		if w, err = db.NewWriter(); err != nil {
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
		runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), kernelRelease(), timing.Policy(), thread)

	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	var mu sync.Mutex
	all := timing.NewHistogram()
	var sessions, failed int
	var firstErr error
	run := func(i int, seed uint64) (bool, error) {
		p := params
		p.Seed = seed
		opts := []sim.Option{}
		if after != nil {
			opts = append(opts, sim.WithTimer(after))
		}
		ch := sim.NewRealtime(rat.New(rat.Default(), p.Holes, p.Seed), opts...)
		defer ch.Close()
		s := controller.Setup{Chamber: ch, Scheduler: sched}
		var res controller.Result
		if w != nil {
			rec, err := controller.RunRecorded(ctx, w, controller.Plan{Subject: benchSubject(i), Condition: "baseline", Chamber: fmt.Sprintf("bench%02d", i),
				Backend: controller.BackendSim, Protocol: *protocol, Params: p, Version: version}, s)
			if err != nil {
				return false, err
			}
			res = rec.Result
		} else {
			ps, err := protocols.NewSession(p)
			if err != nil {
				return false, err
			}
			s.Protocol = ps
			if res, err = controller.Run(ctx, s); err != nil {
				return false, err
			}
		}
		mu.Lock()
		all.Merge(res.Lateness)
		sessions++
		mu.Unlock()
		return res.EndReason == protocols.EndStopped, res.Err
	}

	before, beforeOK := readUsage()
	machine0, machineOK := machineBusy()
	wall0 := time.Now()
	var wg sync.WaitGroup
	for i := range *chambers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select { // operators start chambers one after another
			case <-time.After(*stagger * time.Duration(i) / time.Duration(*chambers)):
			case <-ctx.Done():
				return
			}
			for k := uint64(0); ctx.Err() == nil; k++ {
				stopped, err := run(i, uint64(i)<<20|k)
				if err != nil {
					mu.Lock()
					failed++
					if firstErr == nil {
						firstErr = fmt.Errorf("chamber %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				if stopped {
					return
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(wall0)
	after1, afterOK := readUsage()
	machine1, _ := machineBusy()

	s := all.Summary()
	fmt.Fprintf(stdout, "  transitions: %d in %d sessions\n", s.Count, sessions)
	fmt.Fprintf(stdout, "  lateness:    p50 %v  p99 %v  p99.9 %v  max %v  mean %v\n", us(s.P50), us(s.P99), us(s.P999), us(s.Max), us(s.Mean))
	if sched != nil {
		st := sched.Stats()
		fmt.Fprintf(stdout, "  scheduler:   %d timers fired, p50 %v  p99 %v  p99.9 %v  max %v late; %d sleeps, %d spins, %.1f%% of one core spinning\n",
			st.Fired, us(st.Lateness.P50), us(st.Lateness.P99), us(st.Lateness.P999), us(st.Lateness.Max),
			st.Sleeps, st.Spins, 100*st.Spinning.Seconds()/wall.Seconds())
	}
	if beforeOK && afterOK {
		cpu := after1.cpu - before.cpu
		fmt.Fprintf(stdout, "  cpu:         %v user+sys in %v: %.1f%% of one core\n", cpu.Round(time.Millisecond), wall.Round(time.Millisecond), 100*cpu.Seconds()/wall.Seconds())
		fmt.Fprintf(stdout, "  peak rss:    %.1f MB\n", float64(after1.maxRSS)/(1<<20))
	}
	if machineOK {
		fmt.Fprintf(stdout, "  machine:     %.0f%% of %d CPUs busy during the run (all processes)\n", 100*machine1.busyFraction(machine0), runtime.NumCPU())
	}
	if firstErr != nil {
		return fmt.Errorf("%d chambers failed; first: %w", failed, firstErr)
	}
	return nil
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

type rusage struct {
	cpu    time.Duration // user + system
	maxRSS int64         // bytes
}

func readUsage() (rusage, bool) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return rusage{}, false
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return rusage{cpu: cpu, maxRSS: ru.Maxrss * 1024}, true // Linux reports maxrss in KiB
}

// cpuTimes is the machine's busy and total CPU time from /proc/stat.
type cpuTimes struct{ busy, total uint64 }

func (c cpuTimes) busyFraction(before cpuTimes) float64 {
	if c.total <= before.total {
		return 0
	}
	return float64(c.busy-before.busy) / float64(c.total-before.total)
}

func machineBusy() (cpuTimes, bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuTimes{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return cpuTimes{}, false
	}
	fields := strings.Fields(sc.Text()) // cpu user nice system idle iowait irq softirq steal ...
	if len(fields) < 9 || fields[0] != "cpu" {
		return cpuTimes{}, false
	}
	var c cpuTimes
	for i, f := range fields[1:9] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuTimes{}, false
		}
		c.total += v
		if i != 3 && i != 4 { // idle, iowait
			c.busy += v
		}
	}
	return c, true
}

func kernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// benchSubject is the virtual rat of bench chamber i.
func benchSubject(i int) string { return fmt.Sprintf("BENCH%02d", i) }
