package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/fivechoice/fivechoice/rat/validate"
)

// simulateCommands are the subcommands of 'fivechoice simulate': whole
// sessions of virtual rats in virtual time, through the real runner.
func simulateCommands() []command {
	return []command{
		{"validate", "check the virtual rats against the published effect pattern", cmdSimulateValidate},
		{"study", "run a whole simulated drug study and print its report", cmdSimulateStudy},
		{"training", "train naive virtual rats through a training programme: sessions to criterion per stage", cmdSimulateTraining},
		{"power", "how many rats a dose study needs: power by group size from simulated studies", cmdSimulatePower},
	}
}

func cmdSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	subs := simulateCommands()
	help := len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help")
	if len(args) > 0 && !help {
		for _, c := range subs {
			if c.name == args[0] {
				return c.run(ctx, args[1:], stdout, stderr)
			}
		}
		fmt.Fprintf(stderr, "fivechoice simulate: unknown subcommand %q\n", args[0])
	}
	out := stderr
	if help {
		out = stdout
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].name < subs[j].name })
	fmt.Fprintln(out, "Usage: fivechoice simulate SUBCOMMAND [flags]\n\nSubcommands:")
	for _, c := range subs {
		fmt.Fprintf(out, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(out, "\nRun 'fivechoice simulate SUBCOMMAND -h' for its flags.")
	if help {
		return flag.ErrHelp
	}
	return errUsage
}

func cmdSimulateValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate validate", "simulate validate [--seed N] [--rats N]", stderr)
	seed := fs.Uint64("seed", 1, "seed of the cohorts and of every session")
	rats := fs.Int("rats", validate.DefaultRats, "rats per cohort (mixed, high- and low-impulsive); fewer are less decisive")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	rep, err := validate.Run(ctx, validate.Options{Seed: *seed, Rats: *rats})
	if err != nil {
		return err
	}
	if err := rep.Write(stdout); err != nil {
		return err
	}
	if !rep.Passed() {
		failed := 0
		for _, c := range rep.Checks {
			if !c.Pass {
				failed++
			}
		}
		return &exitError{code: 1, msg: fmt.Sprintf("simulate validate: %d of %d checks failed", failed, len(rep.Checks))}
	}
	return nil
}
