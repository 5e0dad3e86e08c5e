package protocols

import "math"

// Counters are a session's counts (R26).
type Counters struct {
	Correct          int `json:"correct"`
	Incorrect        int `json:"incorrect"`
	Omissions        int `json:"omissions"`
	Premature        int `json:"premature"`
	Perseverative    int `json:"perseverative"`
	TimeoutResponses int `json:"timeout_responses"`
	MagazineEntries  int `json:"magazine_entries"`
	TrialsScored     int `json:"trials_scored"`
	Attempts         int `json:"attempts"`
}

// Measures are a session's ratios and latency summaries (R24, R25), in
// percent and milliseconds. A nil value is undefined (a zero denominator, or
// no attempt with that latency), never 0.
type Measures struct {
	AccuracyPct              *float64 `json:"accuracy_pct"`
	OmissionsPct             *float64 `json:"omissions_pct"`
	CorrectPct               *float64 `json:"correct_pct"`
	PrematurePct             *float64 `json:"premature_pct"`
	CorrectLatencyMeanMs     *float64 `json:"correct_latency_mean_ms"`
	CorrectLatencyMedianMs   *float64 `json:"correct_latency_median_ms"`
	IncorrectLatencyMeanMs   *float64 `json:"incorrect_latency_mean_ms"`
	IncorrectLatencyMedianMs *float64 `json:"incorrect_latency_median_ms"`
	RewardLatencyMeanMs      *float64 `json:"reward_latency_mean_ms"`
	RewardLatencyMedianMs    *float64 `json:"reward_latency_median_ms"`
	PrematureLatencyMeanMs   *float64 `json:"premature_latency_mean_ms"`
	PrematureLatencyMedianMs *float64 `json:"premature_latency_median_ms"`
}

// Summary is everything a session's attempts add up to.
type Summary struct {
	Counters Counters `json:"counters"`
	Measures Measures `json:"measures"`
}

// Score computes the counters and measures of a session from its attempts
// and its count of magazine entries. It is a pure function of the trial rows,
// so stored sessions can be rescored, and it computes each figure exactly as
// the storage package's SQL view does (integer sums, one division), so the
// two agree to the last bit. It tallies the rows through the same methods a
// running session updates its tally with, so it also agrees with the live
// summary (Session.Summary) at every step.
func Score(attempts []Attempt, magazineEntries int) Summary {
	t := newTally(len(attempts))
	t.c.MagazineEntries = magazineEntries
	for i := range attempts {
		a := &attempts[i]
		t.begun()
		t.decided(a)
		t.collected(a)
		t.firstPremature(a)
		t.c.Premature += a.Premature
		t.c.Perseverative += a.Perseverative
		t.c.TimeoutResponses += a.TimeoutResponses
	}
	return t.Summary()
}

// Equal reports whether two summaries are the same to the bit: the same
// counters, and each measure either undefined in both or of identical bits.
func (s Summary) Equal(o Summary) bool {
	if s.Counters != o.Counters {
		return false
	}
	a, b := s.Measures.list(), o.Measures.list()
	for i := range a {
		if (a[i] == nil) != (b[i] == nil) || (a[i] != nil && math.Float64bits(*a[i]) != math.Float64bits(*b[i])) {
			return false
		}
	}
	return true
}

func (m Measures) list() [12]*float64 {
	return [12]*float64{m.AccuracyPct, m.OmissionsPct, m.CorrectPct, m.PrematurePct,
		m.CorrectLatencyMeanMs, m.CorrectLatencyMedianMs, m.IncorrectLatencyMeanMs, m.IncorrectLatencyMedianMs,
		m.RewardLatencyMeanMs, m.RewardLatencyMedianMs, m.PrematureLatencyMeanMs, m.PrematureLatencyMedianMs}
}
