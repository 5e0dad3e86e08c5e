// Package timing is the precision scheduler of real-time sessions: one
// goroutine that serves every chamber's deadlines with tens of
// microseconds of lateness instead of the Go runtime timers' millisecond
// steps (golang/go#53824). On a machine whose cores are all busy, that
// also needs the process to run at a real-time priority
// (SetRealtimePriority).
//
// The scheduler keeps its timers in a min-heap. For the earliest deadline it
// sleeps in the kernel on an absolute CLOCK_MONOTONIC timeout until Spin
// before the deadline, with its thread's timer slack at 1 ns, and then spins
// on the monotonic clock for the last stretch. A timer that becomes the
// earliest wakes the sleeping thread at once: the sleep is a futex wait with
// an absolute timeout (the same kernel hrtimer as clock_nanosleep with
// TIMER_ABSTIME), and registering bumps the futex word and wakes it. This
// needs no signals and no file descriptors, and a wake that races with
// going to sleep is never lost, because the kernel only sleeps while the
// word still holds the value the scheduler last saw.
//
// A timer fires by a send on its buffered channel, so callers select on it
// as on a time.Timer.
package timing

import (
	"container/heap"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultSpin is how long before a deadline the scheduler stops sleeping
// and spins. It covers the kernel's wake-up lateness, which on the 2-core
// VM of docs/timing.md is under 150 µs for most wake-ups but reaches
// 0.3-1 ms for one in a hundred or a thousand; the spinning costs at most
// this much CPU per deadline (about 2 % of one core for 64 chambers).
const DefaultSpin = 500 * time.Microsecond

// maxSleep bounds one sleep, so that the scheduler re-reads its heap at
// least this often whatever happens to the wake-ups.
const maxSleep = time.Second

// A Scheduler fires timers at their deadlines. Its methods may be called
// from any goroutine.
type Scheduler struct {
	spin time.Duration
	t0   time.Time // the scheduler's own time zero; deadlines are kept as ns since
	wake waker     // the futex word: bumped when the earliest deadline changes
	done chan struct{}

	mu     sync.Mutex
	timers timerHeap
	seq    uint64
	closed bool
	late   Histogram // lateness of every timer it fired
	stats  Stats
}

// Stats is what a scheduler has done since it was made.
type Stats struct {
	Fired    int64         // timers fired by the scheduler goroutine
	Sleeps   int64         // kernel sleeps (each a wake-up)
	Spins    int64         // spins before deadlines
	Spinning time.Duration // total time spent spinning: the scheduler's CPU cost beyond wake-ups
	Lateness Summary       // when each timer fired after its deadline
	Err      error         // why the thread's timer slack could not be set, if it could not
	// Priority is how the kernel schedules the scheduler's thread, e.g.
	// "SCHED_FIFO priority 10" or "normal (nice 0)"; see
	// SetRealtimePriority.
	Priority string
}

// An Option configures a Scheduler.
type Option func(*Scheduler)

// WithSpin sets how long before each deadline the scheduler stops sleeping
// and spins (default DefaultSpin); 0 sleeps right up to the deadline.
func WithSpin(d time.Duration) Option { return func(s *Scheduler) { s.spin = max(d, 0) } }

// New starts a scheduler. Close it once nothing uses it any more.
func New(opts ...Option) *Scheduler {
	s := &Scheduler{spin: DefaultSpin, done: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	s.t0 = time.Now()
	s.wake.init(s.t0)
	ready := make(chan struct{})
	go s.loop(ready)
	<-ready
	return s
}

// A Timer is one deadline. C receives the time it fired, once.
type Timer struct {
	C <-chan time.Time

	c     chan time.Time
	s     *Scheduler
	due   int64 // ns since s.t0
	seq   uint64
	index int         // in the heap; -1 when not pending there
	after *time.Timer // the fallback of a timer outliving its scheduler
}

// now is the current time in ns since s.t0, on the monotonic clock.
func (s *Scheduler) now() int64 { return int64(time.Since(s.t0)) }

// Timer returns a timer firing at deadline; one already past fires at
// once. After Close, timers fall back to Go's own.
func (s *Scheduler) Timer(deadline time.Time) *Timer {
	c := make(chan time.Time, 1)
	t := &Timer{C: c, c: c, s: s, due: int64(deadline.Sub(s.t0)), index: -1}
	if t.due <= s.now() {
		c <- time.Now()
		return t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		t.fallback(s)
		return t
	}
	s.seq++
	t.seq = s.seq
	heap.Push(&s.timers, t)
	if t.index == 0 { // the new earliest: the scheduler must not oversleep it
		s.wake.bump(true)
	}
	return t
}

// fallback hands t to a Go timer; s.mu is held.
func (t *Timer) fallback(s *Scheduler) {
	c := t.c
	t.after = time.AfterFunc(time.Duration(t.due-s.now()), func() { c <- time.Now() })
}

// Stop prevents t from firing; it reports whether it did so (false: t has
// fired or was stopped).
func (t *Timer) Stop() bool {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.after != nil {
		return t.after.Stop()
	}
	if t.index < 0 {
		return false
	}
	top := t.index == 0
	heap.Remove(&s.timers, t.index)
	if top {
		// Let a spinning scheduler look again; a sleeping one will wake
		// early for nothing, which costs less than waking it now.
		s.wake.bump(false)
	}
	return true
}

// Stats returns what the scheduler has done so far.
func (s *Scheduler) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Lateness = s.late.Summary()
	return st
}

// Close stops the scheduler goroutine and its thread. Timers still pending
// move to Go's own timers, so none is lost; so do timers made afterwards.
func (s *Scheduler) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		for _, t := range s.timers {
			t.index = -1
			t.fallback(s)
		}
		s.timers = nil
		s.wake.bump(true)
	}
	s.mu.Unlock()
	<-s.done
	return nil
}

// loop is the scheduler goroutine. It holds its OS thread, with the timer
// slack at 1 ns, while it sleeps and spins towards a deadline. When it has
// fired timers it lets go of the thread and yields, so that the goroutines
// it woke (the chambers' runners) run at once on this thread, which the
// kernel is already running. Otherwise they would wait for another thread
// to be woken: measured here, that took p99 0.3-0.5 ms on an idle 2-core VM
// (waking an idle CPU) against 0.1 ms this way (docs/timing.md). It may then
// resume on another thread, whose slack it sets in turn. Threads keep the
// process's scheduling policy, so a real-time priority (SetRealtimePriority)
// holds wherever the loop runs.
func (s *Scheduler) loop(ready chan<- struct{}) {
	defer close(s.done)
	runtime.LockOSThread() // the thread ends with the goroutine if still locked then
	s.stats.Err = setTimerSlack()
	s.stats.Priority = Policy()
	close(ready)
	var last round
	for {
		fired, gen, next, ok := s.fire(last)
		if !ok {
			return
		}
		last = round{}
		if fired {
			runtime.UnlockOSThread()
			runtime.Gosched()
			runtime.LockOSThread()
			setTimerSlack() // as it worked the first time, it works now
			continue
		}
		now := s.now()
		switch wakeAt := next - int64(s.spin); {
		case next < 0:
			s.wake.wait(gen, now+int64(maxSleep))
			last.slept = true
		case wakeAt > now:
			s.wake.wait(gen, min(wakeAt, now+int64(maxSleep)))
			last.slept = true
		default:
			last.spunFrom = s.now()
			for last.spunTo = last.spunFrom; last.spunTo < next && s.wake.load() == gen; last.spunTo = s.now() {
			}
		}
	}
}

// round is what one round of the loop did, for the stats.
type round struct {
	slept            bool
	spunFrom, spunTo int64
}

// fire counts the last round, fires the timers that are due and returns
// whether it fired any, the wake word it saw and the next deadline (-1 if
// none); ok is false once the scheduler is closed.
func (s *Scheduler) fire(last round) (fired bool, gen uint32, next int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if last.slept {
		s.stats.Sleeps++
	}
	if last.spunFrom > 0 {
		s.stats.Spins++
		s.stats.Spinning += time.Duration(last.spunTo - last.spunFrom)
	}
	if s.closed {
		return false, 0, 0, false
	}
	now := s.now()
	for len(s.timers) > 0 && s.timers[0].due <= now {
		t := heap.Pop(&s.timers).(*Timer)
		at := time.Now()
		t.c <- at // never blocks: the channel is fresh with room for one
		s.late.Record(time.Duration(int64(at.Sub(s.t0)) - t.due))
		s.stats.Fired++
		fired = true
	}
	next = -1
	if len(s.timers) > 0 {
		next = s.timers[0].due
	}
	return fired, s.wake.load(), next, true // any change to the heap after this bumps the word
}

// A waker is a word the scheduler sleeps on until a deadline, and that
// others bump (and wake it with) when the deadlines change.
type waker struct {
	word atomic.Uint32
	sys  wakerSys
}

func (w *waker) load() uint32 { return w.word.Load() }

// bump changes the word, waking a sleeping scheduler if wake is set.
func (w *waker) bump(wake bool) {
	w.word.Add(1)
	if wake {
		w.sys.wake(&w.word)
	}
}

// wait sleeps until the word differs from gen or the deadline (ns since the
// scheduler's t0) passes, or a signal interrupts it.
func (w *waker) wait(gen uint32, deadline int64) { w.sys.wait(&w.word, gen, deadline) }

func (w *waker) init(t0 time.Time) { w.sys.init(t0) }

// timerHeap is a min-heap of timers by deadline, then registration order.
type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].due != h[j].due {
		return h[i].due < h[j].due
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
