package timing

import (
	"math"
	"math/bits"
	"time"
)

// Bucket layout of a Histogram, in whole microseconds v: 1 µs wide below
// linear µs, then subs buckets per octave (each at most 1/subs ≈ 3 % of
// its value wide) up to 2^maxOctave µs (19 hours); longer values count in
// the last bucket. Count, mean and max are exact.
const (
	linear    = 64 // = subs << 1, so the first octave starts where the linear part ends
	subs      = 32
	subBits   = 5 // log2(subs)
	minOctave = 6 // log2(linear)
	maxOctave = 36
	nBuckets  = linear + (maxOctave-minOctave+1)*subs
)

// A Histogram counts durations (timer lateness) in fixed log-linear
// buckets: 1 µs resolution up to 64 µs, 3 % above, 8 KB whatever the
// count. It is not safe for concurrent use.
type Histogram struct {
	counts [nBuckets]uint64
	n      int64
	sum    time.Duration
	max    time.Duration
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{} }

func bucket(d time.Duration) int {
	v := uint64(max(d, 0) / time.Microsecond)
	if v < linear {
		return int(v)
	}
	k := bits.Len64(v) - 1 // v is in [2^k, 2^(k+1))
	if k > maxOctave {
		return nBuckets - 1
	}
	return linear + (k-minOctave)*subs + int(v>>(k-subBits)&(subs-1))
}

// upper is the exclusive upper edge of bucket i.
func upper(i int) time.Duration {
	if i < linear {
		return time.Duration(i+1) * time.Microsecond
	}
	k, sub := minOctave+(i-linear)/subs, (i-linear)%subs
	width := uint64(1) << (k - subBits)
	return time.Duration((subs+uint64(sub))*width+width) * time.Microsecond
}

// Record counts one duration; a negative one counts as zero in the
// buckets (but as itself in the mean).
func (h *Histogram) Record(d time.Duration) {
	if h.n == 0 || d > h.max {
		h.max = d
	}
	h.counts[bucket(d)]++
	h.n++
	h.sum += d
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.n == 0 {
		return
	}
	if h.n == 0 || o.max > h.max {
		h.max = o.max
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
}

// Count is the number of recorded durations.
func (h *Histogram) Count() int64 { return h.n }

// Quantile returns an upper bound of the q-quantile (0 < q ≤ 1): the upper
// edge of the bucket holding it, or the maximum if that is smaller; 0 for
// an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), uint64(h.n))
	var seen uint64
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			return min(upper(i), h.max)
		}
	}
	return h.max
}

// A Summary is a lateness distribution in brief, as stored with a session
// (JSON, nanoseconds).
type Summary struct {
	Count int64         `json:"count"`
	P50   time.Duration `json:"p50_ns"`
	P99   time.Duration `json:"p99_ns"`
	P999  time.Duration `json:"p999_ns"`
	Max   time.Duration `json:"max_ns"`
	Mean  time.Duration `json:"mean_ns"`
}

// Summary returns the count, the 50th, 99th and 99.9th percentiles (upper
// bounds, see Quantile), the maximum and the mean.
func (h *Histogram) Summary() Summary {
	s := Summary{Count: h.n}
	if h.n == 0 {
		return s
	}
	s.P50, s.P99, s.P999 = h.Quantile(0.50), h.Quantile(0.99), h.Quantile(0.999)
	s.Max, s.Mean = h.max, h.sum/time.Duration(h.n)
	return s
}
