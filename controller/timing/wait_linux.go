//go:build linux

package timing

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// futex(2) operations; golang.org/x/sys/unix does not name them.
const (
	futexWaitBitset     = 9
	futexWake           = 1
	futexPrivate        = 128
	futexBitsetMatchAny = 0xffffffff
)

// wakerSys sleeps with futex(FUTEX_WAIT_BITSET), whose timeout is an
// absolute CLOCK_MONOTONIC time. Go's monotonic clock is CLOCK_MONOTONIC,
// so c0, the kernel's reading just after the scheduler's t0, turns the
// scheduler's deadlines into the kernel's. Reading it after t0 errs late,
// by well under a microsecond, never early.
type wakerSys struct{ c0 int64 }

func (w *wakerSys) init(time.Time) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(fmt.Sprintf("timing: clock_gettime(CLOCK_MONOTONIC): %v", err))
	}
	w.c0 = ts.Nano()
}

func (w *wakerSys) wait(word *atomic.Uint32, gen uint32, deadline int64) {
	ts := unix.NsecToTimespec(w.c0 + deadline)
	// EAGAIN (the word changed), ETIMEDOUT and EINTR all mean: look again.
	// An ordinary system call, so that the runtime gives this goroutine's
	// P to other goroutines while it sleeps. (A raw call keeping the P
	// measured worse: the runtime preempts a goroutine it thinks has run
	// for 10 ms, and the goroutines it woke waited for a thread to take
	// them from the sleeping P.)
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWaitBitset|futexPrivate, uintptr(gen),
		uintptr(unsafe.Pointer(&ts)), 0, futexBitsetMatchAny)
}

func (w *wakerSys) wake(word *atomic.Uint32) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWake|futexPrivate, 1, 0, 0, 0)
}

// setTimerSlack makes the calling thread's kernel sleeps end as close to
// their deadline as the hardware allows (the default slack is 50 µs).
func setTimerSlack() error {
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("timing: prctl(PR_SET_TIMERSLACK): %w", err)
	}
	return nil
}

// SetRealtimePriority puts every thread of the process under SCHED_FIFO at
// priority p (1-99), as `chrt -f p` or systemd's CPUSchedulingPolicy=fifo
// would, and returns the policy the calling thread ends up with.
//
// Why: on a machine whose cores are all busy, a normal-priority thread's
// wake-up can wait behind the busy processes until the kernel's next tick
// (4 ms at 250 Hz), and a deadline passes through two such wake-ups, the
// scheduler's and the chamber runner's. Under SCHED_FIFO both preempt the
// busy processes at once (docs/timing.md has the figures). The daemon uses
// about 4 % of one core for 64 chambers, and the kernel's real-time
// throttling (sched_rt_runtime_us) keeps 5 % of every second for normal
// processes whatever happens.
//
// Threads the runtime starts later inherit the policy from the thread that
// starts them; threads are listed until a pass finds none left at the old
// policy, so none started during the call is missed. It needs root,
// CAP_SYS_NICE or an RLIMIT_RTPRIO of at least p (systemd's LimitRTPRIO=);
// when refused, nothing changes and the error says so. p = 0 changes
// nothing.
func SetRealtimePriority(p int) (string, error) {
	if p <= 0 {
		return Policy(), nil
	}
	if p > 99 {
		return Policy(), fmt.Errorf("timing: real-time priority %d: want 1-99", p)
	}
	a := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: uint32(p)}
	if err := unix.SchedSetAttr(0, &a, 0); err != nil {
		return Policy(), fmt.Errorf("timing: SCHED_FIFO priority %d: %w", p, err)
	}
	for pass := 0; ; pass++ {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return Policy(), fmt.Errorf("timing: list threads: %w", err)
		}
		changed := 0
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			cur, err := unix.SchedGetAttr(tid, 0)
			if err != nil || (cur.Policy == unix.SCHED_FIFO && cur.Priority == uint32(p)) {
				continue // gone, or done
			}
			if err := unix.SchedSetAttr(tid, &a, 0); err != nil && !errors.Is(err, unix.ESRCH) {
				return Policy(), fmt.Errorf("timing: SCHED_FIFO priority %d for thread %d: %w", p, tid, err)
			}
			changed++
		}
		if changed == 0 || pass == 10 {
			return Policy(), nil
		}
	}
}

// LeaveRealtime takes the calling goroutine off the real-time class for
// the rest of its life: it locks the goroutine to its thread and puts that
// thread under the normal policy. The goroutine must end without calling
// runtime.UnlockOSThread, so that the thread ends with it and never
// returns, demoted, to the runtime's pool (a real-time thread must stay
// one).
//
// Why: SetRealtimePriority puts every thread under SCHED_FIFO, and the
// runtime runs any goroutine on any thread. Work that can take long and
// must never delay a chamber (the HTTP handlers, the storage writer's
// SQLite calls) would otherwise run at the timers' priority, and the
// kernel does not preempt a SCHED_FIFO thread for another of the same
// priority: measured before this (issue 12), 880 API requests a second cost
// 5 of 152 transitions 50-100 ms. With a normal policy, that work yields to
// every timer. A thread already under the normal policy is left as it is
// (and the goroutine unlocked): there is nothing to leave.
func LeaveRealtime() error {
	runtime.LockOSThread()
	a, err := unix.SchedGetAttr(0, 0)
	if err == nil && a.Policy != unix.SCHED_FIFO && a.Policy != unix.SCHED_RR {
		runtime.UnlockOSThread()
		return nil
	}
	normal := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_NORMAL}
	if err := unix.SchedSetAttr(0, &normal, 0); err != nil {
		return fmt.Errorf("timing: leave real-time priority: %w", err)
	}
	return nil
}

// Policy names the calling thread's scheduling policy, e.g.
// "SCHED_FIFO priority 10" or "normal (nice 0)".
func Policy() string {
	a, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		return "unknown"
	}
	switch a.Policy {
	case unix.SCHED_FIFO:
		return fmt.Sprintf("SCHED_FIFO priority %d", a.Priority)
	case unix.SCHED_RR:
		return fmt.Sprintf("SCHED_RR priority %d", a.Priority)
	case unix.SCHED_NORMAL:
		return fmt.Sprintf("normal (nice %d)", a.Nice)
	}
	return fmt.Sprintf("policy %d", a.Policy)
}
