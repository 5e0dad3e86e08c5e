package report

import (
	"context"
	"sort"

	"github.com/fivechoice/fivechoice/storage"
)

// Load reads a study's completed sessions from the database and computes
// its report. A blind study is reported by code until it is unblinded;
// after that its conditions are the ones the codes stood for.
func Load(ctx context.Context, d *storage.DB, name string) (Report, error) {
	s, err := d.Study(ctx, name)
	if err != nil {
		return Report{}, err
	}
	blinded := s.Blind && s.UnblindedAt == nil
	conds, err := conditions(ctx, d, s, blinded)
	if err != nil {
		return Report{}, err
	}
	sessions, err := d.StudyMeasures(ctx, name)
	if err != nil {
		return Report{}, err
	}
	rows := make([]Row, 0, len(sessions))
	for _, m := range sessions {
		rows = append(rows, Row{Subject: m.Subject, Condition: m.Condition, Values: m.Values})
	}
	return Build(name, conds, s.Subjects, rows, blinded), nil
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
