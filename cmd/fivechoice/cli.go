package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// version is the software version recorded with every session; release
// builds set it with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// A command is one subcommand of the binary.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run one session on a simulated chamber and store it", cmdRun},
		{"serve", "run the daemon: many chambers, the HTTP API and /metrics", cmdServe},
		{"config", "check a daemon configuration file, or print an example", cmdConfig},
		{"scenario", "run or check scripted-subject scenario files", cmdScenario},
		{"bench", "measure session throughput (virtual time)", cmdBench},
		{"simulate", "virtual-rat studies and the model's validation (virtual time)", cmdSimulate},
		{"protocols", "list the built-in parameter sets", cmdProtocols},
		{"protocol", "save, show and list the lab's own versioned parameter sets (docs/protocols.md)", cmdProtocol},
		{"subject", "add or list subjects", cmdSubject},
		{"condition", "add or list dose conditions", cmdCondition},
		{"study", "create, show, run and unblind within-subject drug studies", cmdStudy},
		{"train", "each rat's training: enrol, today's session (the daemon picks the stage), move, status, history, sessions to criterion", cmdTrain},
		{"session", "exclude a session (kept, left out of reports) or reinstate it; exclusions and the audit trail", cmdSession},
		{"runsheet", "plan the day's squads: which rat in which chamber, in which order (the control room starts them)", cmdRunSheet},
		{"report", "per-condition results of a study with repeated-measures statistics and plots", cmdReport},
		{"export", "write sessions, trials or events as tidy CSV", cmdExport},
		{"rescore", "recompute stored sessions from their raw event logs and compare", cmdRescore},
		{"merge", "merge databases from several chamber PCs into one", cmdMerge},
		{"outputs-off", "switch every configured output off (systemd runs it when the daemon stops)", cmdOutputsOff},
		{"board-emulator", "run a simulated serial I/O board on a pseudo-terminal", cmdBoardEmulator},
		{"version", "print the version", func(_ context.Context, _ []string, out, _ io.Writer) error {
			_, err := fmt.Fprintln(out, "fivechoice", version)
			return err
		}},
	}
}

// errUsage marks an error whose message is usage help already printed.
var errUsage = errors.New("usage")

// exitError carries a specific exit status (e.g. a failing check) with a
// message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// run is the whole program behind main, so tests can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ee *exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.As(err, &ee):
			if ee.msg != "" {
				fmt.Fprintln(stderr, "fivechoice:", ee.msg)
			}
			return ee.code
		default:
			fmt.Fprintf(stderr, "fivechoice %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "fivechoice: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "fivechoice: five-choice serial reaction time task controller")
	fmt.Fprintln(w, "\nUsage: fivechoice COMMAND [flags]\n\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'fivechoice COMMAND -h' for a command's flags.")
}

// newFlags returns a flag set that prints its usage to stderr and returns
// errors rather than exiting.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: fivechoice %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and refuses stray arguments unless allowed.
func parse(fs *flag.FlagSet, args []string, positional bool) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if !positional && fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		fs.Usage()
		return errUsage
	}
	return nil
}

// printJSON writes v as indented JSON, with <, > and & as themselves: it
// is read in a terminal or by a program, never pasted into a page, and
// criteria read "accuracy_pct > 80".
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
