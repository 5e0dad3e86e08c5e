package timing_test

import (
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller/timing"
)

// These tests assert order and that nothing fires early, never how late:
// lateness depends on the machine's load (see the benchmarks and
// docs/timing.md for figures).

// wait receives a timer's firing, failing the test if it takes absurdly
// long (a lost timer, not a slow one).
func wait(t *testing.T, tm *timing.Timer) time.Time {
	t.Helper()
	select {
	case at := <-tm.C:
		return at
	case <-time.After(time.Minute):
		t.Fatal("timer never fired")
		return time.Time{}
	}
}

func fired(tm *timing.Timer) bool {
	select {
	case <-tm.C:
		return true
	default:
		return false
	}
}

func TestFiresInDeadlineOrderAndNeverEarly(t *testing.T) {
	s := timing.New()
	defer s.Close()
	start := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	type reg struct {
		due time.Time
		tm  *timing.Timer
	}
	regs := make([]reg, 200)
	for i := range regs {
		due := start.Add(5*time.Millisecond + time.Duration(rng.IntN(20000))*time.Microsecond)
		regs[i] = reg{due, s.Timer(due)}
	}
	sort.SliceStable(regs, func(i, j int) bool { return regs[i].due.Before(regs[j].due) })
	var last time.Time
	for i, r := range regs {
		at := wait(t, r.tm)
		if at.Before(r.due) {
			t.Fatalf("timer %d fired %v early", i, r.due.Sub(at))
		}
		if at.Before(last) {
			t.Fatalf("timer %d (due %v) fired at %v, before an earlier deadline's %v", i, r.due.Sub(start), at.Sub(start), last.Sub(start))
		}
		last = at
	}
	st := s.Stats()
	if st.Fired > int64(len(regs)) || st.Lateness.Count != st.Fired {
		t.Errorf("stats: %+v", st)
	}
	if st.Err != nil {
		t.Logf("timer slack not set: %v", st.Err)
	}
}

func TestStop(t *testing.T) {
	s := timing.New()
	defer s.Close()
	now := time.Now()
	stopped := s.Timer(now.Add(10 * time.Millisecond))
	later := s.Timer(now.Add(30 * time.Millisecond))
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	if stopped.Stop() {
		t.Fatal("second Stop returned true")
	}
	wait(t, later)
	if fired(stopped) {
		t.Fatal("a stopped timer fired")
	}
	if later.Stop() {
		t.Fatal("Stop of a fired timer returned true")
	}
}

func TestPastDeadlineFiresAtOnce(t *testing.T) {
	s := timing.New()
	defer s.Close()
	due := time.Now().Add(-time.Second)
	tm := s.Timer(due)
	if !fired(tm) {
		t.Fatal("a timer made after its deadline has not fired on return")
	}
}

// TestEarlierDeadlineInterruptsTheSleep: the scheduler sleeps towards an
// hour-away deadline; a timer registered for a few milliseconds ahead must
// wake it (without the wake it would fire only at the next periodic look,
// a second on).
func TestEarlierDeadlineInterruptsTheSleep(t *testing.T) {
	s := timing.New()
	defer s.Close()
	far := s.Timer(time.Now().Add(time.Hour))
	for s.Stats().Sleeps == 0 {
		time.Sleep(time.Millisecond)
	}
	sleeps := s.Stats().Sleeps
	due := time.Now().Add(3 * time.Millisecond)
	near := s.Timer(due)
	at := wait(t, near)
	if at.Before(due) {
		t.Fatalf("fired %v early", due.Sub(at))
	}
	if fired(far) {
		t.Fatal("the far timer fired")
	}
	// Fired after one wake-up for it, not after a periodic look.
	if got := s.Stats(); got.Fired != 1 || got.Sleeps < sleeps {
		t.Fatalf("stats %+v", got)
	}
	if !far.Stop() {
		t.Fatal("the far timer was not pending")
	}
}

func TestManyTimersFromManyGoroutines(t *testing.T) {
	s := timing.New()
	defer s.Close()
	const goroutines, each = 32, 100
	var wg sync.WaitGroup
	errs := make(chan string, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			start := time.Now()
			var keep, stop []*timing.Timer
			var dues []time.Time
			for range each {
				due := start.Add(time.Duration(rng.IntN(50000)) * time.Microsecond)
				tm := s.Timer(due)
				if rng.IntN(2) == 0 && tm.Stop() {
					stop = append(stop, tm)
					continue
				}
				keep, dues = append(keep, tm), append(dues, due)
			}
			for i, tm := range keep {
				select {
				case at := <-tm.C:
					if at.Before(dues[i]) {
						errs <- "a timer fired early"
						return
					}
				case <-time.After(time.Minute):
					errs <- "a timer never fired"
					return
				}
			}
			for _, tm := range stop {
				if fired(tm) {
					errs <- "a stopped timer fired"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestCloseHandsPendingTimersToGo(t *testing.T) {
	s := timing.New()
	pending := s.Timer(time.Now().Add(20 * time.Millisecond))
	stopped := s.Timer(time.Now().Add(20 * time.Millisecond))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !stopped.Stop() {
		t.Fatal("Stop after Close returned false for a pending timer")
	}
	after := s.Timer(time.Now().Add(10 * time.Millisecond))
	wait(t, pending)
	wait(t, after)
	if fired(stopped) {
		t.Fatal("a stopped timer fired")
	}
}
