package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/study"
	"github.com/fivechoice/fivechoice/study/report"
)

// simNamespace is the UUID namespace of simulated sessions' ids.
var simNamespace = uuid.MustParse("5c5a6f2e-9b1d-4c36-8f0e-6d2f1f1c0a51")

// cmdSimulateStudy creates virtual subjects and a Latin-square study, runs
// every test day's session in virtual time through the real runner and
// storage, on the planned dates, and prints the study report: a rehearsal
// of a study design before animals are used.
func cmdSimulateStudy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate study", "simulate study --db FILE --subjects N --conditions vehicle,atx-0.3,... [--protocol NAME] [--phenotype mixed|high|low] --seed N", stderr)
	db := fs.String("db", "fivechoice.db", "database `file`")
	n := fs.Int("subjects", 16, "number of virtual rats")
	conditions := fs.String("conditions", "vehicle,atx-0.1,atx-0.3,atx-1.0", "comma-separated conditions; the first is the reference")
	protocol := fs.String("protocol", "baseline", "protocol of the test sessions")
	phenotype := fs.String("phenotype", "mixed", "mixed, high or low (impulsivity)")
	seed := fs.Int64("seed", 1, "seed of everything: the rats, the design, every session")
	name := fs.String("name", "", "study name (default SIM-<seed>)")
	washout := fs.Duration("washout", 48*time.Hour, "washout between test days")
	start := fs.String("start", "2026-01-05", "first test day, YYYY-MM-DD")
	format := fs.String("format", "md", "report format: md, csv or json")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *n < 2 {
		return fmt.Errorf("--subjects must be at least 2")
	}
	if *seed < 0 {
		return fmt.Errorf("--seed must not be negative")
	}
	if _, err := protocols.Lookup(*protocol); err != nil {
		return fmt.Errorf("--protocol: %w", err)
	}
	if *name == "" {
		*name = fmt.Sprintf("SIM-%d", *seed)
	}
	startDay, err := time.ParseInLocation("2006-01-02", *start, time.UTC)
	if err != nil {
		return fmt.Errorf("--start %q: want YYYY-MM-DD", *start)
	}
	if err := rat.CheckPhenotype(*phenotype); err != nil {
		return fmt.Errorf("--phenotype: %w", err)
	}
	cohort := rat.Cohort(*n, *phenotype, uint64(*seed))
	d, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	conds := splitList(*conditions)
	drugs := map[string]storage.Condition{}
	for _, c := range conds {
		cond, err := d.Condition(ctx, c)
		if err != nil {
			return fmt.Errorf("--conditions: %w", err)
		}
		drugs[c] = cond
	}
	var subjects []string
	rats := map[string]rat.Traits{}
	for i := 0; i < *n; i++ {
		id := fmt.Sprintf("%s-R%02d", *name, i+1)
		if err := d.AddSubject(ctx, storage.Subject{ID: id, Cohort: *name, Strain: "virtual (" + *phenotype + ")", Notes: "simulated subject", CreatedAt: startDay}); err != nil {
			return err
		}
		subjects = append(subjects, id)
		rats[id] = cohort[i]
	}
	orders, err := study.Assign(subjects, conds, uint64(*seed))
	if err != nil {
		return err
	}
	st := storage.Study{Name: *name, Design: "latin-square", CreatedAt: startDay, Washout: *washout, Seed: uint64(*seed), Protocol: *protocol,
		StartDate: startDay.Format("2006-01-02"), Subjects: subjects, Conditions: conds}
	var plan []storage.PlanDay
	for _, s := range subjects {
		for i, c := range orders[s] {
			plan = append(plan, storage.PlanDay{Subject: s, Day: i + 1, Condition: c, Date: study.DayDate(startDay, *washout, i+1).Format("2006-01-02")})
		}
	}
	if err := d.CreateStudy(ctx, st, plan, nil); err != nil {
		return err
	}
	w, err := d.NewWriter()
	if err != nil {
		return err
	}
	began := time.Now()
	sessions := 0
	for day := 1; day <= len(conds); day++ {
		for i, s := range subjects {
			// Sessions of a test day start in squads from 09:00, as a lab
			// with 16 boxes runs them.
			at := study.DayDate(startDay, *washout, day).Add(9*time.Hour + time.Duration(i/16)*50*time.Minute)
			cond := drugs[orders[s][day-1]]
			next, err := d.NextDay(ctx, *name, s, at)
			if err != nil {
				w.Close()
				return err
			}
			p, _ := protocols.Lookup(*protocol)
			p.Seed = uint64(*seed)*1_000_003 + uint64(day)*1009 + uint64(i)
			dosed, err := rat.Dosed(rats[s], cond.Drug, cond.DoseMgPerKg)
			if err != nil {
				w.Close()
				return fmt.Errorf("condition %s: %w", cond.ID, err)
			}
			ch := sim.NewVirtual(rat.New(dosed, p.Holes, p.Seed))
			// Ids come from the seed too, so the same seed gives the same
			// database, byte for byte in every record.
			id := uuid.NewSHA1(simNamespace, []byte(fmt.Sprintf("%s/%s/%d", *name, s, day))).String()
			plan := controller.Plan{Provenance: storage.Provenance{ID: id, Subject: s, Condition: next.Condition, Chamber: fmt.Sprintf("sim%02d", i%16+1), Backend: hardware.BackendSim, Protocol: *protocol, Params: p, Version: version, StartedAt: at, Study: *name, StudyDay: next.Day, InjectedAt: at.Add(-time.Duration(cond.PretreatmentMin) * time.Minute)}, Batch: true}
			rec, err := controller.RunRecorded(ctx, w, plan, controller.Setup{Chamber: ch, Timeline: ch})
			if err == nil {
				err = rec.Result.Err
			}
			if err != nil {
				w.Close()
				return fmt.Errorf("%s day %d: %w", s, day, err)
			}
			sessions++
		}
		// The next day's washout check reads this day's sessions.
		if err := w.Flush(); err != nil {
			w.Close()
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "simulated study %s: %d virtual rats (%s), %d sessions in %v, stored in %s\n",
		*name, *n, *phenotype, sessions, time.Since(began).Round(time.Millisecond), *db)
	r, err := report.Load(ctx, d, *name, report.Options{})
	if err != nil {
		return err
	}
	switch *format {
	case "csv":
		return r.CSV(stdout)
	case "json":
		return r.JSON(stdout)
	}
	return r.Markdown(stdout)
}
