package simulate

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// Learners hosts each subject's own virtual rat in the daemon's simulated
// chambers (sim.learns: true): a naive rat drawn for that subject from the
// cohort model (rat.NaiveCohort: individual differences, some slow, a few
// that never reach criterion), which has learnt from every session that
// subject has stored, oldest first. Nothing is kept between sessions but
// the records, so a restarted daemon gives each subject the same rat.
type Learners struct {
	DB        *storage.DB
	Seed      uint64 // the cohort's seed: the same seed, the same rats
	Phenotype string
}

// Traits is subject's virtual rat as it is today.
func (l Learners) Traits(subject string) (rat.Traits, error) {
	ctx := context.Background()
	h := fnv.New64a()
	h.Write([]byte(subject))
	learner := rat.NaiveCohort(1, l.Phenotype, l.Seed^h.Sum64())[0]
	sessions, err := l.DB.Sessions(ctx, storage.Filter{Subject: subject, Status: storage.StatusEnded})
	if err != nil {
		return rat.Traits{}, err
	}
	for _, s := range sessions {
		sum, err := l.DB.Summary(ctx, s.ID)
		if err != nil {
			return rat.Traits{}, fmt.Errorf("session %s: %w", s.ID, err)
		}
		learner.After(rat.DayOf(s.Params, sum.Counters))
	}
	return learner.Traits(), nil
}
