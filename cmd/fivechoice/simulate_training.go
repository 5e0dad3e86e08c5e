package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/fivechoice/fivechoice/simulate"
	"github.com/fivechoice/fivechoice/training"
)

// cmdSimulateTraining trains a cohort of naive virtual rats through a
// programme (the built-in one or a lab's file) with the programme's own
// decisions, and prints sessions to criterion per stage.
func cmdSimulateTraining(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate training", "simulate training [--programme FILE] --subjects N --seed N [--cap SESSIONS]", stderr)
	file := fs.String("programme", "", "a lab's programme `file` (YAML; default: the built-in 5-CSRTT programme)")
	n := fs.Int("subjects", 16, "naive virtual rats")
	seed := fs.Int64("seed", 1, "seed of the cohort and every session")
	phenotype := fs.String("phenotype", "mixed", "mixed, high or low (impulsivity)")
	capSessions := fs.Int("cap", 100, "sessions after which a rat that has not finished is given up")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *seed < 0 || *capSessions < 1 {
		return fmt.Errorf("--seed must not be negative, --cap must be positive")
	}
	prog := training.Builtin()
	if *file != "" {
		var err error
		if prog, err = training.Load(*file); err != nil {
			return err
		}
	}
	began := time.Now()
	rats, err := simulate.Training{Programme: prog, Subjects: *n, Phenotype: *phenotype, Seed: uint64(*seed), Cap: *capSessions}.Run(ctx)
	if err != nil {
		return err
	}
	sessions := 0
	for _, r := range rats {
		for _, v := range r.PerStage {
			sessions += v
		}
	}
	fmt.Fprintf(stdout, "Training: %d naive virtual rats (%s) through programme %s, seed %d; sessions to criterion of the rats that finished:\n\n",
		*n, *phenotype, prog.Name, *seed)
	fmt.Fprint(stdout, simulate.SessionsToCriterion(prog, rats, *capSessions))
	fmt.Fprintf(stdout, "%d sessions in %v\n", sessions, time.Since(began).Round(time.Millisecond))
	return nil
}
