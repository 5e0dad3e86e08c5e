// Package simulate rehearses a study design before animals are used:
// virtual rats in a Latin-square drug study, every test day's session run
// on virtual time through the real runner and storage, on the planned
// dates.
package simulate

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/study"
)

// namespace is the UUID namespace of simulated sessions' ids.
var namespace = uuid.MustParse("5c5a6f2e-9b1d-4c36-8f0e-6d2f1f1c0a51")

// A Study is a simulated study to create and run.
type Study struct {
	Name       string
	Subjects   int      // virtual rats, at least 2
	Conditions []string // the first is the reference
	Protocol   string   // preset of the test sessions
	Phenotype  string   // mixed, high or low (impulsivity)
	Seed       uint64   // of everything: the rats, the design, every session
	Washout    time.Duration
	Start      time.Time // the first test day (UTC midnight)
	Version    string    // recorded with each session
}

// Run creates the study's virtual subjects and its Latin-square plan in db,
// then runs every test day's sessions, and returns how many it ran. The same
// seed gives the same database, byte for byte in every record.
func (s Study) Run(ctx context.Context, db *storage.DB) (int, error) {
	if _, err := protocols.Lookup(s.Protocol); err != nil {
		return 0, fmt.Errorf("protocol: %w", err)
	}
	if err := rat.CheckPhenotype(s.Phenotype); err != nil {
		return 0, fmt.Errorf("phenotype: %w", err)
	}
	drugs := map[string]storage.Condition{}
	for _, c := range s.Conditions {
		cond, err := db.Condition(ctx, c)
		if err != nil {
			return 0, fmt.Errorf("conditions: %w", err)
		}
		drugs[c] = cond
	}
	cohort := rat.Cohort(s.Subjects, s.Phenotype, s.Seed)
	var subjects []string
	rats := map[string]rat.Traits{}
	for i := 0; i < s.Subjects; i++ {
		id := fmt.Sprintf("%s-R%02d", s.Name, i+1)
		if err := db.AddSubject(ctx, storage.Subject{ID: id, Cohort: s.Name, Strain: "virtual (" + s.Phenotype + ")", Notes: "simulated subject", CreatedAt: s.Start}); err != nil {
			return 0, err
		}
		subjects = append(subjects, id)
		rats[id] = cohort[i]
	}
	plan, err := study.Design{Name: s.Name, Subjects: subjects, Conditions: s.Conditions, Start: s.Start, Washout: s.Washout,
		Seed: s.Seed, Protocol: s.Protocol, CreatedAt: s.Start}.Plan()
	if err != nil {
		return 0, err
	}
	if err := db.CreateStudy(ctx, plan.Study, plan.Days, plan.Key); err != nil {
		return 0, err
	}
	w, err := db.NewWriter()
	if err != nil {
		return 0, err
	}
	sessions := 0
	for day := 1; day <= len(s.Conditions); day++ {
		for i, sub := range subjects {
			if err := s.session(ctx, db, w, day, i, sub, rats[sub], drugs[plan.Orders[sub][day-1]]); err != nil {
				w.Close()
				return sessions, err
			}
			sessions++
		}
		// The next day's washout check reads this day's sessions.
		if err := w.Flush(); err != nil {
			w.Close()
			return sessions, err
		}
	}
	return sessions, w.Close()
}

// session runs subject sub's (the i-th) session of test day day, under
// cond, recorded through w.
func (s Study) session(ctx context.Context, db *storage.DB, w *storage.Writer, day, i int, sub string, traits rat.Traits, cond storage.Condition) error {
	// Sessions of a test day start in squads from 09:00, as a lab with 16
	// boxes runs them.
	at := study.DayDate(s.Start, s.Washout, day).Add(9*time.Hour + time.Duration(i/16)*50*time.Minute)
	next, err := db.NextDay(ctx, s.Name, sub, at)
	if err != nil {
		return err
	}
	p, _ := protocols.Lookup(s.Protocol)
	p.Seed = s.Seed*1_000_003 + uint64(day)*1009 + uint64(i)
	dosed, err := rat.Dosed(traits, cond.Drug, cond.DoseMgPerKg)
	if err != nil {
		return fmt.Errorf("condition %s: %w", cond.ID, err)
	}
	ch := sim.NewVirtual(rat.New(dosed, p.Holes, p.Seed))
	// Ids come from the seed too, so the same seed gives the same
	// database, byte for byte in every record.
	id := uuid.NewSHA1(namespace, []byte(fmt.Sprintf("%s/%s/%d", s.Name, sub, day))).String()
	plan := controller.Plan{Provenance: storage.Provenance{ID: id, Subject: sub, Condition: next.Condition,
		Chamber: fmt.Sprintf("sim%02d", i%16+1), Backend: hardware.BackendSim, Protocol: s.Protocol, Params: p,
		Version: s.Version, StartedAt: at, Study: s.Name, StudyDay: next.Day,
		InjectedAt: at.Add(-time.Duration(cond.PretreatmentMin) * time.Minute)}, Batch: true}
	rec, err := controller.RunRecorded(ctx, w, plan, controller.Setup{Chamber: ch, Timeline: ch})
	if err == nil {
		err = rec.Result.Err
	}
	if err != nil {
		return fmt.Errorf("%s day %d: %w", sub, day, err)
	}
	return nil
}
