package training

import (
	"time"

	"github.com/fivechoice/fivechoice/protocols"
)

// MagazineOf is what a magazine-training session measures, from its
// attempts (protocols.ModeMagazine: one attempt per pellet, its reward
// latency the collection latency): the pellets collected and their mean
// collection latency. A pure function of the stored trial rows, so a stage
// change can be recomputed from an export.
func MagazineOf(attempts []protocols.Attempt) *MagazineResult {
	var m MagazineResult
	var sum time.Duration
	for _, a := range attempts {
		if l := a.RewardLatency(); l != protocols.None {
			m.Pellets++
			sum += l
		}
	}
	if m.Pellets > 0 {
		m.LatencyMean = sum / time.Duration(m.Pellets)
	}
	return &m
}

// SessionOf is a stored or just-ended session as the programme sees it:
// its counters and measures from its attempts (protocols.Score) and, for a
// magazine-training session, its magazine figures.
func SessionOf(id, endReason string, p protocols.Params, attempts []protocols.Attempt, magazineEntries int) Session {
	s := Session{ID: id, EndReason: endReason, Summary: protocols.Score(attempts, magazineEntries)}
	if p.Mode == protocols.ModeMagazine {
		s.Magazine = MagazineOf(attempts)
	}
	return s
}
