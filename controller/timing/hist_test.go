package timing_test

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller/timing"
)

func TestHistogramExactBelow64µs(t *testing.T) {
	h := timing.NewHistogram()
	for i := range 100 {
		h.Record(time.Duration(i%50) * time.Microsecond) // 0..49 µs, twice each
	}
	s := h.Summary()
	want := timing.Summary{Count: 100, P50: 25 * time.Microsecond, P99: 49 * time.Microsecond, P999: 49 * time.Microsecond,
		Max: 49 * time.Microsecond, Mean: 24500 * time.Nanosecond}
	if s != want {
		t.Fatalf("got %+v, want %+v", s, want)
	}
}

// TestHistogramQuantilesAreTightUpperBounds: every quantile is at least the
// true one and at most 1 µs or 1/32 above it.
func TestHistogramQuantilesAreTightUpperBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	h := timing.NewHistogram()
	var vals []time.Duration
	for range 20000 {
		v := time.Duration(rng.ExpFloat64() * float64(200*time.Microsecond))
		if rng.IntN(100) == 0 {
			v *= 1000 // a tail out to seconds
		}
		vals = append(vals, v)
		h.Record(v)
	}
	slices.Sort(vals)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		exact := vals[max(int(float64(len(vals))*q+0.999999)-1, 0)]
		got := h.Quantile(q)
		if got < exact || got > exact+exact/32+time.Microsecond {
			t.Errorf("q%v: got %v, exact %v", q, got, exact)
		}
	}
	if h.Quantile(1) != vals[len(vals)-1] {
		t.Errorf("max: %v, want %v", h.Quantile(1), vals[len(vals)-1])
	}
}

func TestHistogramMergeAndEdges(t *testing.T) {
	a, b := timing.NewHistogram(), timing.NewHistogram()
	if s := a.Summary(); s != (timing.Summary{}) {
		t.Fatalf("empty: %+v", s)
	}
	a.Record(-time.Microsecond) // counts as zero
	b.Record(100 * 24 * time.Hour)
	a.Merge(b)
	a.Merge(nil)
	if a.Count() != 2 || a.Summary().Max != 100*24*time.Hour || a.Quantile(0.5) != time.Microsecond {
		t.Fatalf("merged: %+v", a.Summary())
	}
	j, err := json.Marshal(timing.Summary{Count: 1, P50: 2, P99: 3, P999: 4, Max: 5, Mean: 6})
	if err != nil || string(j) != `{"count":1,"p50_ns":2,"p99_ns":3,"p999_ns":4,"max_ns":5,"mean_ns":6}` {
		t.Fatalf("json %s %v", j, err)
	}
}
