package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/simulate"
	"github.com/fivechoice/fivechoice/study/report"
)

// cmdSimulateStudy creates virtual subjects and a Latin-square study, runs
// every test day's session in virtual time through the real runner and
// storage, on the planned dates, and prints the study report: a rehearsal
// of a study design before animals are used.
func cmdSimulateStudy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate study", "simulate study --db FILE --subjects N --conditions vehicle,atx-0.3,... [--protocol NAME] [--phenotype mixed|high|low] --seed N", stderr)
	db := dbFlag(fs)
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
	d, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	began := time.Now()
	sim := simulate.Study{Name: *name, Subjects: *n, Conditions: splitList(*conditions), Protocol: *protocol, Phenotype: *phenotype,
		Seed: uint64(*seed), Washout: *washout, Start: startDay, Version: version}
	sessions, err := sim.Run(ctx, d)
	if err != nil {
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
