package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fivechoice/fivechoice/simulate"
	"github.com/fivechoice/fivechoice/storage"
)

// cmdSimulatePower estimates the power of a within-subject dose study by
// group size, from many simulated studies of virtual rats (docs/report.md,
// Power before animals are used).
func cmdSimulatePower(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate power", "simulate power --conditions vehicle,atx-0.1,... --measure premature --subjects 6..24 [--studies 1000] [--protocol NAME] --seed N [--plots DIR]", stderr)
	conditions := fs.String("conditions", "vehicle,atx-0.1,atx-0.3,atx-1.0", "comma-separated conditions; the first is the reference")
	protocol := fs.String("protocol", "long_iti", "protocol of the test sessions")
	measure := fs.String("measure", "premature", "the session measure the study is about (a report measure key)")
	subjects := fs.String("subjects", "6..24", "group sizes: a range 6..24 or a list 6,8,12")
	step := fs.Int("step", 0, "step of a --subjects range (0: about seven sizes)")
	studies := fs.Int("studies", 1000, "simulated studies per group size")
	alpha := fs.Float64("alpha", 0.05, "significance level")
	phenotype := fs.String("phenotype", "mixed", "mixed, high or low (impulsivity)")
	seed := fs.Int64("seed", 1, "seed of every simulated study")
	target := fs.Float64("target", 0.8, "the power the sentence reports group sizes for")
	plots := fs.String("plots", "", "write power.png and power.svg into this `directory`")
	db := fs.String("db", "", "database `file` whose conditions to use (default: the built-in ones)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	sizes, err := simulate.ParseSizes(*subjects, *step)
	if err != nil {
		return fmt.Errorf("--subjects: %w", err)
	}
	if *seed < 0 {
		return fmt.Errorf("--seed must not be negative")
	}
	conds, err := powerConditions(ctx, *db, splitList(*conditions))
	if err != nil {
		return err
	}
	p := simulate.Power{Conditions: conds, Protocol: *protocol, Measure: *measure, Subjects: sizes, Studies: *studies,
		Phenotype: *phenotype, Alpha: *alpha, Seed: uint64(*seed)}
	// The virtual-session rate on one core, measured in the same run.
	one := p
	one.Subjects, one.Studies, one.Workers, one.Seed = []int{sizes[0]}, 10, 1, one.Seed+1
	began := time.Now()
	calib, err := one.Run(ctx)
	if err != nil {
		return err
	}
	single := simulate.Rate{Sessions: calib[0].Sessions, Elapsed: time.Since(began)}
	began = time.Now()
	rows, err := p.Run(ctx)
	if err != nil {
		return err
	}
	all := simulate.Rate{Elapsed: time.Since(began)}
	for _, r := range rows {
		all.Sessions += r.Sessions
	}
	printPower(stdout, p, rows)
	fmt.Fprintf(stdout, "\n%d studies, %d virtual sessions in %v on %d workers (%.0f sessions/s); one core alone: %.0f sessions/s\n",
		len(rows)*p.Studies, all.Sessions, all.Elapsed.Round(time.Millisecond), runtime.GOMAXPROCS(0), all.PerSecond(), single.PerSecond())
	fmt.Fprintf(stdout, "\n%s\n", simulate.Sentence(p, rows, *target))
	if *plots != "" {
		if err := os.MkdirAll(*plots, 0o755); err != nil {
			return err
		}
		files, err := simulate.PlotPower(p, rows, *plots)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nplots: %s\n", strings.Join(files, ", "))
	}
	return nil
}

// powerConditions looks the conditions up in a database, or in the
// built-in ones (an in-memory database holds them).
func powerConditions(ctx context.Context, path string, ids []string) ([]storage.Condition, error) {
	if path == "" {
		path = ":memory:"
	}
	d, err := storage.Open(ctx, path)
	if path != ":memory:" {
		d.Close()
		if d, err = openRecords(ctx, path); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var out []storage.Condition
	for _, id := range ids {
		c, err := d.Condition(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("--conditions: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

func printPower(w io.Writer, p simulate.Power, rows []simulate.PowerRow) {
	fmt.Fprintf(w, "Power by group size: %s, %s protocol, %d simulated studies per size, alpha %g, seed %d\n\n", p.Measure, p.Protocol, p.Studies, p.Alpha, p.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "rats\tANOVA\t")
	for _, c := range p.Conditions[1:] {
		fmt.Fprintf(tw, "%s vs %s\t", c.ID, p.Conditions[0].ID)
	}
	fmt.Fprint(tw, "undefined\t\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%.1f%%\t", r.Subjects, 100*r.ANOVA)
		for _, v := range r.VsRef {
			fmt.Fprintf(tw, "%.1f%%\t", 100*v)
		}
		fmt.Fprintf(tw, "%d\t\n", r.Undefined)
	}
	tw.Flush()
}
