package study

import (
	"fmt"
	"sort"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// A Design is a drug study as an experimenter states it: who, which
// conditions (the first is the reference), from when, how far apart, with
// which seed. Plan turns it into what is stored.
type Design struct {
	Name       string
	Kind       string // "latin-square" (a Williams design), the only one
	Subjects   []string
	Conditions []string
	Start      time.Time     // the first test day
	Washout    time.Duration // minimum time between a subject's test days
	Seed       uint64        // of the assignment and of the blinding codes
	Protocol   string        // preset of the test sessions
	Blind      bool          // operators see conditions only as codes
	CreatedAt  time.Time     // zero: when stored
}

// A Plan is a design made concrete: the study row, every subject's test
// days in order, and, for a blind study, the key from codes to conditions.
type Plan struct {
	Study storage.Study
	Days  []storage.PlanDay
	Key   []storage.KeyEntry // nil unless blind
	// Orders is each subject's sequence of real conditions.
	Orders map[string][]string
}

// Plan assigns each subject its sequence (Assign), dates its test days
// (DayDate) and, for a blind study, replaces each condition by a code
// (Codes) whose key is stored apart.
func (d Design) Plan() (Plan, error) {
	if d.Kind == "" {
		d.Kind = "latin-square"
	}
	if d.Kind != "latin-square" {
		return Plan{}, fmt.Errorf("design %q: only latin-square", d.Kind)
	}
	orders, err := Assign(d.Subjects, d.Conditions, d.Seed)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Orders: orders, Study: storage.Study{Name: d.Name, Design: d.Kind, CreatedAt: d.CreatedAt, Washout: d.Washout,
		Seed: d.Seed, Protocol: d.Protocol, Blind: d.Blind, StartDate: d.Start.Format("2006-01-02"), Subjects: d.Subjects}}
	label := map[string]string{}
	if d.Blind {
		codes := Codes(len(d.Conditions), d.Seed)
		for i, c := range d.Conditions {
			code := storage.CodeCondition(d.Name, codes[i])
			label[c] = code
			p.Key = append(p.Key, storage.KeyEntry{Code: code, Condition: c, Position: i + 1})
			p.Study.Conditions = append(p.Study.Conditions, code)
		}
		sort.Strings(p.Study.Conditions) // code order says nothing
	} else {
		for _, c := range d.Conditions {
			label[c] = c
		}
		p.Study.Conditions = d.Conditions
	}
	for _, sub := range d.Subjects {
		for i, c := range orders[sub] {
			p.Days = append(p.Days, storage.PlanDay{Subject: sub, Day: i + 1, Condition: label[c],
				Date: DayDate(d.Start, d.Washout, i+1).Format("2006-01-02")})
		}
	}
	return p, nil
}
