package protocols

import (
	"slices"
	"time"
)

// A Tally is a session's running score: its counters, and every latency
// as it becomes known (R24 to R26). A session keeps its own up to date as
// inputs and outcomes happen, so that following a session live costs
// nothing per step and the summary is worked out only when someone asks.
// Score builds one from stored trial rows through the same methods, so the
// live figures and the rescored ones agree to the bit.
//
// A session only ever appends to its tally, so a copy of one (Session.Tally)
// is a snapshot that stays valid, and safe to read from another goroutine,
// while the session runs on.
type Tally struct {
	c                                      Counters // TrialsScored is filled in by Summary
	correct, incorrect, reward, prematures []time.Duration
}

// newTally is the tally of a session that can have up to n attempts: its
// latency lists share one backing array, sized once, so that keeping them
// costs no allocations as a session runs (n is capped: a list that outgrows
// its share moves out on its own, as any slice does).
func newTally(n int) Tally {
	n = min(n, 512)
	buf := make([]time.Duration, 4*n)
	return Tally{
		correct:    buf[0:0:n],
		incorrect:  buf[n : n : 2*n],
		reward:     buf[2*n : 2*n : 3*n],
		prematures: buf[3*n : 3*n : 4*n],
	}
}

// begun counts an attempt begun.
func (t *Tally) begun() { t.c.Attempts++ }

// decided counts an attempt's outcome and its response latency (R25).
func (t *Tally) decided(a *Attempt) {
	switch a.Outcome {
	case Correct:
		t.c.Correct++
		t.correct = appendSome(t.correct, a.ResponseLatency())
	case Incorrect:
		t.c.Incorrect++
		t.incorrect = appendSome(t.incorrect, a.ResponseLatency())
	case Omission:
		t.c.Omissions++
	}
}

// collected adds the reward latency of a collected correct trial (R25).
func (t *Tally) collected(a *Attempt) { t.reward = appendSome(t.reward, a.RewardLatency()) }

// firstPremature adds the premature latency of attempt a (R25), known from
// its first premature response on.
func (t *Tally) firstPremature(a *Attempt) {
	t.prematures = appendSome(t.prematures, a.PrematureLatency())
}

// scored is the count of scored trials (section 3).
func (t *Tally) scored() int { return t.c.Correct + t.c.Incorrect + t.c.Omissions }

// Counters returns the counts so far.
func (t Tally) Counters() Counters {
	c := t.c
	c.TrialsScored = t.scored()
	return c
}

// Summary computes the counters and measures (R24, R25). It copies what it
// sorts, so the tally, and the session it is a snapshot of, are untouched.
func (t Tally) Summary() Summary {
	c := t.Counters()
	m := Measures{
		AccuracyPct:  pct(c.Correct, c.Correct+c.Incorrect),
		OmissionsPct: pct(c.Omissions, c.TrialsScored),
		CorrectPct:   pct(c.Correct, c.TrialsScored),
		PrematurePct: pct(c.Premature, c.TrialsScored+c.Premature),
	}
	// The lists are sorted in a copy, one at a time.
	scratch := make([]time.Duration, max(len(t.correct), len(t.incorrect), len(t.reward), len(t.prematures)))
	m.CorrectLatencyMeanMs, m.CorrectLatencyMedianMs = meanMedianMs(t.correct, scratch)
	m.IncorrectLatencyMeanMs, m.IncorrectLatencyMedianMs = meanMedianMs(t.incorrect, scratch)
	m.RewardLatencyMeanMs, m.RewardLatencyMedianMs = meanMedianMs(t.reward, scratch)
	m.PrematureLatencyMeanMs, m.PrematureLatencyMedianMs = meanMedianMs(t.prematures, scratch)
	return Summary{Counters: c, Measures: m}
}

func appendSome(list []time.Duration, d time.Duration) []time.Duration {
	if d == None {
		return list
	}
	return append(list, d)
}

// pct is 100·num/den, or nil for a zero denominator (R24).
func pct(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	v := 100.0 * float64(num) / float64(den)
	return &v
}

// meanMedianMs returns the mean and median of ds in milliseconds, or nils
// for none (R25). The median of an even count is the mean of the middle
// two. The sum is an integer sum, so the order ds come in does not matter:
// a session's latencies in the order they happened and a stored session's
// in trial order give the same bits. ds is left as it is: it is sorted in
// scratch, which must be as long.
func meanMedianMs(ds, scratch []time.Duration) (mean, median *float64) {
	if len(ds) == 0 {
		return nil, nil
	}
	var sum int64
	for _, d := range ds {
		sum += int64(d)
	}
	mn := float64(sum) / float64(len(ds)) / 1e6
	sorted := scratch[:len(ds)]
	copy(sorted, ds)
	slices.Sort(sorted)
	mid := len(sorted) / 2
	var md float64
	if len(sorted)%2 == 1 {
		md = float64(sorted[mid]) / 1.0 / 1e6
	} else {
		md = float64(int64(sorted[mid-1])+int64(sorted[mid])) / 2.0 / 1e6
	}
	return &mn, &md
}
