package report

import (
	"context"
	"fmt"
	"sort"

	"github.com/fivechoice/fivechoice/storage"
)

// Load reads a study's plan and every one of its sessions from the
// database and computes its report: only completed sessions count, and the
// others (running, ended early, not yet run) make it an interim report. A
// blind study is reported by code until it is unblinded; after that its
// conditions are the ones the codes stood for.
func Load(ctx context.Context, d *storage.DB, name string, opt Options) (Report, error) {
	s, err := d.Study(ctx, name)
	if err != nil {
		return Report{}, err
	}
	blinded := s.Blind && s.UnblindedAt == nil
	conds, err := conditions(ctx, d, s, blinded)
	if err != nil {
		return Report{}, err
	}
	in := Input{Study: name, Blinded: blinded, Conditions: conds, Subjects: s.Subjects}
	if in.Plan, err = plan(ctx, d, s, blinded); err != nil {
		return Report{}, err
	}
	sessions, err := d.StudyMeasures(ctx, name)
	if err != nil {
		return Report{}, err
	}
	var excluded []string
	for _, m := range sessions {
		if m.Excluded != "" { // left out, and said so: its test day is open again
			excluded = append(excluded, fmt.Sprintf("session %s (%s, test day %d) is excluded (%s) and left out", m.Session, m.Subject, m.StudyDay, m.Excluded))
			continue
		}
		in.Sessions = append(in.Sessions, Session{ID: m.Session, Subject: m.Subject, Condition: m.Condition, Day: m.StudyDay,
			State: state(m), EndReason: m.EndReason, StartedAt: m.StartedAt, Values: m.Values})
	}
	r := Compute(in, opt)
	r.Notes = append(r.Notes, excluded...)
	return r, nil
}

// state is where a stored session stands for the report.
func state(m storage.SessionMeasures) SessionState {
	switch {
	case m.Completed():
		return Completed
	case m.Status == storage.StatusRunning:
		return Running
	}
	return EndedEarly
}

// plan is the study's test days with the conditions the report uses: the
// codes while blind, the real conditions once unblinded.
func plan(ctx context.Context, d *storage.DB, s storage.Study, blinded bool) ([]PlanDay, error) {
	days, err := d.Plan(ctx, s.Name)
	if err != nil {
		return nil, err
	}
	if len(days) == 0 {
		return nil, nil
	}
	real := map[string]string{}
	if s.Blind && !blinded {
		key, err := d.BlindingKey(ctx, s.Name)
		if err != nil {
			return nil, err
		}
		for _, k := range key {
			real[k.Code] = k.Condition
		}
	}
	out := make([]PlanDay, len(days))
	for i, p := range days {
		c := p.Condition
		if r, ok := real[c]; ok {
			c = r
		}
		out[i] = PlanDay{Subject: p.Subject, Day: p.Day, Condition: c, Date: p.Date}
	}
	return out, nil
}

// conditions are the report's columns: the study's conditions (or codes,
// while blind) with the reference first, then by drug and dose.
func conditions(ctx context.Context, d *storage.DB, s storage.Study, blinded bool) ([]Condition, error) {
	ids := s.Conditions
	if s.Blind && !blinded {
		key, err := d.BlindingKey(ctx, s.Name)
		if err != nil {
			return nil, err
		}
		ids = make([]string, len(key))
		for i, k := range key {
			ids[i] = k.Condition
		}
	}
	var conds []Condition
	for _, id := range ids {
		if blinded {
			conds = append(conds, Condition{ID: id, Label: id})
			continue
		}
		c, err := d.Condition(ctx, id)
		if err != nil {
			return nil, err
		}
		dose := c.DoseMgPerKg
		conds = append(conds, Condition{ID: c.ID, Drug: c.Drug, Dose: &dose, Label: c.ID})
	}
	if !blinded && len(conds) > 2 { // reference first, then by drug and dose
		rest := conds[1:]
		sort.SliceStable(rest, func(i, j int) bool {
			if rest[i].Drug != rest[j].Drug {
				return rest[i].Drug < rest[j].Drug
			}
			return *rest[i].Dose < *rest[j].Dose
		})
	}
	return conds, nil
}
