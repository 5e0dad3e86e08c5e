package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/fivechoice/fivechoice/controller/scenario"
)

func cmdScenario(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "run" && args[0] != "check") {
		fmt.Fprintln(stderr, "Usage: fivechoice scenario run FILE\n       fivechoice scenario check FILE...")
		return errUsage
	}
	if args[0] == "run" {
		fs := newFlags("scenario run", "scenario run FILE", stderr)
		if err := parse(fs, args[1:], true); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			fs.Usage()
			return errUsage
		}
		return scenarioRun(fs.Arg(0), stdout, stderr)
	}
	fs := newFlags("scenario check", "scenario check FILE...", stderr)
	if err := parse(fs, args[1:], true); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	return scenarioCheck(fs.Args(), stdout)
}

func scenarioRun(path string, stdout, stderr io.Writer) error {
	f, err := scenario.Load(path)
	if err != nil {
		return err
	}
	for _, w := range f.Warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", path, w)
	}
	out, err := scenario.Run(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return printJSON(stdout, out)
}

// scenarioCheck prints one PASS or FAIL line per file, the differences
// indented under a FAIL, and fails if any file does.
func scenarioCheck(paths []string, stdout io.Writer) error {
	failed := 0
	for _, path := range paths {
		diffs, err := checkOne(path)
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(stdout, "FAIL %s: %v\n", path, err)
		case len(diffs) > 0:
			failed++
			fmt.Fprintf(stdout, "FAIL %s: %d difference(s)\n    %s\n", path, len(diffs), strings.Join(diffs, "\n    "))
		default:
			fmt.Fprintf(stdout, "PASS %s\n", path)
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", len(paths)-failed, failed)
	if failed > 0 {
		return &exitError{code: 1}
	}
	return nil
}

func checkOne(path string) ([]string, error) {
	f, err := scenario.Load(path)
	if err != nil {
		return nil, err
	}
	out, err := scenario.Run(f)
	if err != nil {
		return nil, err
	}
	return scenario.Check(f, out)
}
