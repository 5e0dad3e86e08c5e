package storage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// BenchmarkCommitLag measures how far commits lag behind running sessions
// on this machine's disk: 16 sessions on the wall clock, each queueing a
// virtual rat's writes (sessionWrites) at 20 events a second, about what
// 16 simulated chambers at 50x produce and far more than 16 real ones,
// through the default writer (100 ms commit interval, synchronous=FULL)
// for FIVECHOICE_LAG_FOR (default 10 s). Each commit's lag is how long its
// oldest write waited to become durable: what a power cut at the worst
// moment of that commit would have cost each session. It reports the
// lag's median, p99 and maximum, and the commits' own duration. Run with
// -benchtime 1x; the figures are in docs/durability.md.
func BenchmarkCommitLag(b *testing.B) {
	run := 10 * time.Second
	if v := os.Getenv("FIVECHOICE_LAG_FOR"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		run = d
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(b.TempDir(), "lag.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	var lags, durations []time.Duration
	w, err := db.NewWriter(storage.WithCommitObserver(func(d time.Duration, _ int, lag time.Duration) {
		mu.Lock()
		lags, durations = append(lags, lag), append(durations, d)
		mu.Unlock()
	}))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	writes := sessionWrites()
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for i := range 16 {
			subject := fmt.Sprintf("LAG%02d", i)
			if err := db.EnsureSubject(ctx, subject); err != nil {
				b.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				lagSession(b, w, subject, writes, run)
			}()
		}
		wg.Wait()
	}
	b.StopTimer()
	q := func(v []time.Duration, p float64) float64 {
		s := slices.Clone(v)
		slices.Sort(s)
		return float64(s[int(p*float64(len(s)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(lags, .5), "lag-p50-ms")
	b.ReportMetric(q(lags, .99), "lag-p99-ms")
	b.ReportMetric(q(lags, 1), "lag-max-ms")
	b.ReportMetric(q(durations, .5), "commit-p50-ms")
	b.ReportMetric(q(durations, .99), "commit-p99-ms")
	b.ReportMetric(float64(len(lags)), "commits")
}

// lagSession queues one session's writes on the wall clock, an event every
// 50 ms, for d.
func lagSession(b *testing.B, w *storage.Writer, subject string, writes []write, d time.Duration) {
	l, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{Subject: subject, Condition: "vehicle", Params: protocols.Default(), StartedAt: time.Now()}})
	if err != nil {
		b.Error(err)
		return
	}
	l.NeverBlock()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	end := time.Now().Add(d)
	for i := 0; time.Now().Before(end) && i < len(writes); i++ {
		if wr := writes[i]; wr.attempt != nil {
			l.Attempt(*wr.attempt)
			continue
		}
		<-tick.C
		l.Event(*writes[i].event)
	}
	if err := l.End(time.Minute, protocols.EndStopped, time.Now(), nil); err != nil {
		b.Error(err)
	}
}
