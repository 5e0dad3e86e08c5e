package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// PlanStudySession picks a subject's next test day and its condition (as
// operators see it), refusing a subject inside its washout, and returns a
// warning when the session starts outside the pretreatment window.
func PlanStudySession(ctx context.Context, d *storage.DB, s storage.Study, subject string, now, injected time.Time, tolerance time.Duration, seed uint64) (Plan, string, error) {
	day, err := d.NextDay(ctx, s.Name, subject, now)
	if err != nil {
		return Plan{}, "", err
	}
	set, err := d.FindSet(ctx, s.Protocol) // a lab set's version was pinned when the study was created
	if err != nil {
		return Plan{}, "", err
	}
	params := set.Params
	params.Seed = seed
	var warning string
	if injected.IsZero() {
		warning = "no injection time given (--injected-at or --injected-ago); none is recorded"
	} else {
		pre, err := pretreatment(ctx, d, s, day.Condition)
		if err != nil {
			return Plan{}, "", err
		}
		if gap := now.Sub(injected); gap < pre-tolerance || gap > pre+tolerance {
			warning = fmt.Sprintf("the session starts %v after the injection; the pretreatment time is %v (± %v)", gap.Round(time.Minute), pre, tolerance)
		}
	}
	return Plan{Provenance: storage.Provenance{Subject: subject, Condition: day.Condition, Protocol: s.Protocol, Params: params, Study: s.Name, StudyDay: day.Day, InjectedAt: injected}}, warning, nil
}

// pretreatment is the pretreatment time of a study condition; for a blind
// study the real condition's, without naming it.
func pretreatment(ctx context.Context, d *storage.DB, s storage.Study, condition string) (time.Duration, error) {
	if s.Blind {
		key, err := d.BlindingKey(ctx, s.Name)
		if err != nil {
			return 0, err
		}
		for _, k := range key {
			if k.Code == condition {
				condition = k.Condition
			}
		}
	}
	c, err := d.Condition(ctx, condition)
	if err != nil {
		return 0, err
	}
	return time.Duration(c.PretreatmentMin) * time.Minute, nil
}
