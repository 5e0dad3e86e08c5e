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
// (Codes) whose key must be sealed apart (study/blinding).
//
// A blind plan is laid out on the codes, not the conditions: Assign runs
// on the codes in alphabetical order with the study's seed, and which
// condition each code stands for is drawn from crypto/rand. The seed is
// stored for anyone to read; laid out on the conditions, the stored plan
// plus Assign(subjects, conditions, seed) would tell anyone which code is
// which. Relabelling a Williams design keeps it a Williams design, so the
// balance is the same.
func (d Design) Plan() (Plan, error) {
	if d.Kind == "" {
		d.Kind = "latin-square"
	}
	if d.Kind != "latin-square" {
		return Plan{}, fmt.Errorf("design %q: only latin-square", d.Kind)
	}
	p := Plan{Study: storage.Study{Name: d.Name, Design: d.Kind, CreatedAt: d.CreatedAt, Washout: d.Washout,
		Seed: d.Seed, Protocol: d.Protocol, Blind: d.Blind, StartDate: d.Start.Format("2006-01-02"), Subjects: d.Subjects}}
	shown := d.Conditions // what operators see, in the study's order
	real := map[string]string{}
	if d.Blind {
		codes := Codes(len(d.Conditions))
		for i, c := range d.Conditions {
			code := storage.CodeCondition(d.Name, codes[i])
			real[code] = c
			p.Key = append(p.Key, storage.KeyEntry{Code: code, Condition: c, Position: i + 1})
			p.Study.Conditions = append(p.Study.Conditions, code)
		}
		sort.Strings(p.Study.Conditions) // code order says nothing
		shown = p.Study.Conditions
	} else {
		p.Study.Conditions = d.Conditions
	}
	orders, err := Assign(d.Subjects, shown, d.Seed)
	if err != nil {
		return Plan{}, err
	}
	p.Orders = make(map[string][]string, len(orders))
	for _, sub := range d.Subjects {
		for i, c := range orders[sub] {
			p.Days = append(p.Days, storage.PlanDay{Subject: sub, Day: i + 1, Condition: c,
				Date: DayDate(d.Start, d.Washout, i+1).Format("2006-01-02")})
			if r, ok := real[c]; ok {
				c = r
			}
			p.Orders[sub] = append(p.Orders[sub], c)
		}
	}
	return p, nil
}
