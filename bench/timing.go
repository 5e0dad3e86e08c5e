package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/controller/timing"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// TimingOptions say what the timing benchmark runs.
type TimingOptions struct {
	Chambers int           // simulated chambers running at once
	Duration time.Duration // how long to run
	Stagger  time.Duration // spread of the chambers' start times
	Params   protocols.Params
	Protocol string // the preset Params came from, recorded with each session
	Version  string
	// Scheduler fires the deadlines; nil uses Go's timers, for comparison.
	Scheduler *timing.Scheduler
	// Writer, if not nil, records every session.
	Writer *storage.Writer
}

// TimingResult is what the timing benchmark measured.
type TimingResult struct {
	Lateness timing.Summary // of every timer-driven transition
	Sessions int
	Failed   int // chambers stopped by an error; Err is the first
	Err      error
	Wall     time.Duration
	Usage    Usage // of this process over the run (OK false if unknown)
	// MachineBusy is the fraction of every CPU's time busy during the run,
	// all processes (MachineOK false if unknown).
	MachineBusy float64
	MachineOK   bool
}

// Timing runs o.Chambers simulated chambers with virtual rats on the wall
// clock, through the real runner, session after session until o.Duration
// has passed, and measures how late the timer-driven transitions were
// carried out and what it cost.
func Timing(ctx context.Context, o TimingOptions) TimingResult {
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	var mu sync.Mutex
	all := timing.NewHistogram()
	var out TimingResult
	before := ReadUsage()
	machine0, machineOK := machineBusy()
	wall0 := time.Now()
	var wg sync.WaitGroup
	for i := range o.Chambers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select { // operators start chambers one after another
			case <-time.After(o.Stagger * time.Duration(i) / time.Duration(o.Chambers)):
			case <-ctx.Done():
				return
			}
			for k := uint64(0); ctx.Err() == nil; k++ {
				res, err := o.session(ctx, i, uint64(i)<<20|k)
				mu.Lock()
				if err == nil { // it ran: count it, even if it ended on a fault
					all.Merge(res.Lateness)
					out.Sessions++
					err = res.Err
				}
				if err != nil {
					if out.Failed++; out.Err == nil {
						out.Err = fmt.Errorf("chamber %d: %w", i, err)
					}
				}
				mu.Unlock()
				if err != nil || res.EndReason == protocols.EndStopped {
					return
				}
			}
		}()
	}
	wg.Wait()
	out.Wall = time.Since(wall0)
	out.Usage = ReadUsage().Since(before)
	if machine1, ok := machineBusy(); ok && machineOK {
		out.MachineBusy, out.MachineOK = machine1.busyFraction(machine0), true
	}
	out.Lateness = all.Summary()
	return out
}

// session runs one session with seed on chamber i. The error says it could
// not run; a fault that ended it is in the result.
func (o TimingOptions) session(ctx context.Context, i int, seed uint64) (controller.Result, error) {
	p := o.Params
	p.Seed = seed
	var opts []sim.Option
	if sched := o.Scheduler; sched != nil {
		opts = append(opts, sim.WithTimer(func(d time.Time) (<-chan time.Time, func() bool) { t := sched.Timer(d); return t.C, t.Stop }))
	}
	ch := sim.NewRealtime(rat.New(rat.Default(), p.Holes, p.Seed), opts...)
	defer ch.Close()
	s := controller.Setup{Chamber: ch, Scheduler: o.Scheduler}
	if o.Writer == nil {
		ps, err := protocols.NewSession(p)
		if err != nil {
			return controller.Result{}, err
		}
		s.Protocol = ps
		return controller.Run(ctx, s)
	}
	plan := controller.Plan{Provenance: storage.Provenance{Subject: ChamberSubject(i), Condition: "baseline", Chamber: fmt.Sprintf("bench%02d", i),
		Backend: hardware.BackendSim, Protocol: o.Protocol, Params: p, Version: o.Version}}
	rec, err := controller.RunRecorded(ctx, o.Writer, plan, s)
	return rec.Result, err
}

// ChamberSubject is the virtual rat of timing bench chamber i: one animal,
// one chamber, as the database requires of running sessions.
func ChamberSubject(i int) string { return fmt.Sprintf("BENCH%02d", i) }
