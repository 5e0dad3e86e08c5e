//go:build linux

package timing

import (
	"fmt"
	"runtime"
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
	if runtime.GOMAXPROCS(0) > 1 {
		// A raw system call keeps this goroutine's P through the sleep, so
		// that on waking it runs at once instead of queueing for a P
		// behind other goroutines (tens of milliseconds on a loaded
		// machine). The runtime still stops it for a GC or a preemption:
		// its signal interrupts the wait. With one P this would stall
		// every other goroutine, so then the wait is an ordinary call.
		unix.RawSyscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWaitBitset|futexPrivate, uintptr(gen),
			uintptr(unsafe.Pointer(&ts)), 0, futexBitsetMatchAny)
		return
	}
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
