package protocols

import (
	"slices"
	"time"
)

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
// two agree to the last bit.
func Score(attempts []Attempt, magazineEntries int) Summary {
	var c Counters
	c.Attempts = len(attempts)
	c.MagazineEntries = magazineEntries
	var correctLat, incorrectLat, rewardLat, prematureLat []time.Duration
	for _, a := range attempts {
		switch a.Outcome {
		case Correct:
			c.Correct++
			correctLat = appendSome(correctLat, a.ResponseLatency())
			rewardLat = appendSome(rewardLat, a.RewardLatency())
		case Incorrect:
			c.Incorrect++
			incorrectLat = appendSome(incorrectLat, a.ResponseLatency())
		case Omission:
			c.Omissions++
		}
		c.Premature += a.Premature
		c.Perseverative += a.Perseverative
		c.TimeoutResponses += a.TimeoutResponses
		prematureLat = appendSome(prematureLat, a.PrematureLatency())
	}
	c.TrialsScored = c.Correct + c.Incorrect + c.Omissions
	m := Measures{
		AccuracyPct:  pct(c.Correct, c.Correct+c.Incorrect),
		OmissionsPct: pct(c.Omissions, c.TrialsScored),
		CorrectPct:   pct(c.Correct, c.TrialsScored),
		PrematurePct: pct(c.Premature, c.TrialsScored+c.Premature),
	}
	m.CorrectLatencyMeanMs, m.CorrectLatencyMedianMs = meanMedianMs(correctLat)
	m.IncorrectLatencyMeanMs, m.IncorrectLatencyMedianMs = meanMedianMs(incorrectLat)
	m.RewardLatencyMeanMs, m.RewardLatencyMedianMs = meanMedianMs(rewardLat)
	m.PrematureLatencyMeanMs, m.PrematureLatencyMedianMs = meanMedianMs(prematureLat)
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
// for none (R25). The median of an even count is the mean of the middle two.
func meanMedianMs(ds []time.Duration) (mean, median *float64) {
	if len(ds) == 0 {
		return nil, nil
	}
	var sum int64
	for _, d := range ds {
		sum += int64(d)
	}
	mn := float64(sum) / float64(len(ds)) / 1e6
	slices.Sort(ds)
	mid := len(ds) / 2
	var md float64
	if len(ds)%2 == 1 {
		md = float64(ds[mid]) / 1.0 / 1e6
	} else {
		md = float64(int64(ds[mid-1])+int64(ds[mid])) / 2.0 / 1e6
	}
	return &mn, &md
}
