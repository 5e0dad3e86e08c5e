package timing_test

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller/timing"
)

// BenchmarkLateness measures how late a goroutine waiting on a timer wakes
// after the timer's deadline (1–3 ms ahead), as the runner does, with the
// scheduler and, for comparison, with a time.Timer; 16 goroutines wait at
// once. It reports the percentiles in µs:
//
//	go test -run '^$' -bench Lateness -benchtime 3000x ./controller/timing
func BenchmarkLateness(b *testing.B) {
	b.Run("scheduler", func(b *testing.B) {
		s := timing.New()
		defer s.Close()
		benchLateness(b, func(due time.Time) <-chan time.Time { return s.Timer(due).C })
		st := s.Stats()
		b.ReportMetric(float64(st.Spinning.Microseconds())/float64(max(st.Fired, 1)), "spin-µs/timer")
	})
	b.Run("time.Timer", func(b *testing.B) {
		benchLateness(b, func(due time.Time) <-chan time.Time { return time.NewTimer(time.Until(due)).C })
	})
}

func benchLateness(b *testing.B, timer func(time.Time) <-chan time.Time) {
	const waiters = 16
	h := timing.NewHistogram()
	var mu sync.Mutex
	var wg sync.WaitGroup
	per := (b.N + waiters - 1) / waiters
	b.ResetTimer()
	for w := range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			mine := timing.NewHistogram()
			for range per {
				due := time.Now().Add(time.Millisecond + time.Duration(rng.IntN(2000))*time.Microsecond)
				<-timer(due)
				mine.Record(time.Since(due))
			}
			mu.Lock()
			h.Merge(mine)
			mu.Unlock()
		}()
	}
	wg.Wait()
	s := h.Summary()
	b.ReportMetric(float64(s.P50.Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(s.P99.Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(s.P999.Nanoseconds())/1e3, "p99.9-µs")
	b.ReportMetric(float64(s.Max.Nanoseconds())/1e3, "max-µs")
}
