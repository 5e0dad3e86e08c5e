package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/training"
)

const trainUsage = `Usage: fivechoice train enrol ID... --by WHO [--programme NAME] [--stage S] [--why TEXT] [--db FILE]
       fivechoice train run ID --chamber NAME [--again] [--server URL] [--token-file FILE]   (the daemon runs it)
       fivechoice train move ID STAGE --by WHO --why TEXT [--latest] [--db FILE]
       fivechoice train status [--json] [--db FILE]
       fivechoice train history ID [--db FILE]
       fivechoice train table [--db FILE]            (sessions to criterion per stage per rat)
       fivechoice train curves [ID...] --out DIR [--dpi N] [--db FILE]   (learning curves, PNG and SVG)
       fivechoice train programme save FILE --by WHO [--db FILE] | programme show NAME [--version N] [--db FILE]`

// cmdTrain is each rat's training: enrolment, today's session (run by the
// daemon, the stage chosen from the rat's state), moves by hand, status,
// history and the sessions-to-criterion table (docs/training.md).
func cmdTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, trainUsage)
		return errUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, trainUsage)
		return nil
	}
	sub := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"enrol": trainEnrol, "enroll": trainEnrol, "run": trainRun, "move": trainMove, "status": trainStatus,
		"history": trainHistory, "table": trainTable, "curves": trainCurves, "programme": trainProgramme, "program": trainProgramme,
	}
	f, ok := sub[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "train %s: unknown\n%s\n", args[0], trainUsage)
		return errUsage
	}
	return f(ctx, args[1:], stdout, stderr)
}

// parseArgs parses flags wherever they are among the positional
// arguments, and wants between lo and hi of those.
func parseArgs(fs *flag.FlagSet, args []string, lo, hi int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) < lo || len(pos) > hi {
		fs.Usage()
		return nil, errUsage
	}
	return pos, nil
}

func trainEnrol(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train enrol", "train enrol ID... --by WHO [--programme NAME] [--stage S] [--why TEXT]", stderr)
	db := dbFlag(fs)
	prog := fs.String("programme", "", "the programme (default the built-in 5csrtt; a lab's: 'train programme save' first)")
	stage := fs.String("stage", "", "the stage to start at (default the programme's first)")
	by := fs.String("by", "", "who enrols (required)")
	why := fs.String("why", "", "why, if not a plain enrolment (e.g. 'trained elsewhere to stage 3')")
	ids, err := parseArgs(fs, args, 1, 1000)
	if err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := knownSubjects(ctx, d, ids, false, ""); err != nil {
		return err
	}
	for _, id := range ids {
		c, err := controller.Enrol(ctx, d, id, *prog, *stage, *by, *why, d.Lookup(ctx), time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: enrolled in %s version %d at %s\n", id, c.Programme, c.Version, c.To)
	}
	return nil
}

func trainMove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train move", "train move ID STAGE --by WHO --why TEXT [--latest]", stderr)
	db := dbFlag(fs)
	by := fs.String("by", "", "who moves the rat (required)")
	why := fs.String("why", "", "why (required: a move by hand is never silent)")
	latest := fs.Bool("latest", false, "also move the rat onto its programme's latest version")
	pos, err := parseArgs(fs, args, 1, 2)
	if err != nil {
		return err
	}
	if len(pos) == 1 && !*latest {
		fs.Usage()
		return errUsage
	}
	stage := ""
	if len(pos) == 2 {
		stage = pos[1]
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := knownSubjects(ctx, d, pos[:1], false, ""); err != nil {
		return err
	}
	c, err := controller.Move(ctx, d, pos[0], stage, *by, *why, *latest, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: moved from %s to %s (%s version %d) by %s: %s\n", c.Subject, c.From, c.To, c.Programme, c.Version, c.By, c.Reason)
	return nil
}

func trainStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train status", "train status [--json]", stderr)
	db := dbFlag(fs)
	asJSON := fs.Bool("json", false, "as JSON")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	st, err := controller.Status(ctx, d)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, st)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rat\tstage\tsessions there (counted)\tdays since last\tbaseline\tcriteria\tso far")
	for _, s := range st {
		since := "-"
		if !s.LastAt.IsZero() {
			since = fmt.Sprint(max(0, int(time.Since(s.LastAt).Hours()/24)))
		}
		stable := "-"
		if s.Stable {
			stable = "stable"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d (%d)\t%s\t%s\t%s\t%s\n", s.Subject, s.Stage, s.Sessions, s.Counted, since, stable, strings.Join(s.Criteria, ", "), s.Decision)
	}
	return tw.Flush()
}

func trainHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train history", "train history ID", stderr)
	db := dbFlag(fs)
	var id string
	if err := parseWithID(fs, args, &id); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := knownSubjects(ctx, d, []string{id}, false, ""); err != nil {
		return err
	}
	hist, err := d.StageHistory(ctx, id)
	if err != nil {
		return err
	}
	if len(hist) == 0 {
		return fmt.Errorf("rat %s is not in training (fivechoice train enrol %s --by WHO)", id, id)
	}
	for _, h := range hist {
		from := h.From
		if from == "" {
			from = "-"
		}
		fmt.Fprintf(stdout, "%s  %-9s %s -> %s  (%s v%d) by %s: %s", h.At.Local().Format("2006-01-02 15:04"), h.Action, from, h.To, h.Programme, h.Version, h.By, h.Reason)
		if h.Session != "" {
			fmt.Fprintf(stdout, " [session %s]", h.Session)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

func trainProgramme(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "save" && args[0] != "show") {
		fmt.Fprintln(stderr, trainUsage)
		return errUsage
	}
	fs := newFlags("train programme "+args[0], "train programme save FILE --by WHO | show NAME [--version N]", stderr)
	db := dbFlag(fs)
	by := fs.String("by", "", "who saves it (save)")
	ver := fs.Int("version", 0, "the version to show (default the latest)")
	var arg string
	if err := parseWithID(fs, args[1:], &arg); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if args[0] == "show" {
		sp, err := d.Programme(ctx, arg, *ver)
		if err != nil {
			return err
		}
		var p training.Programme
		if err := json.Unmarshal(sp.Body, &p); err != nil {
			return fmt.Errorf("programme %s version %d: %w", sp.Name, sp.Version, err)
		}
		fmt.Fprintf(stdout, "# %s version %d, saved %s by %s\n", sp.Name, sp.Version, sp.CreatedAt.Local().Format(time.DateTime), sp.CreatedBy)
		return printJSON(stdout, p)
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return err
	}
	p, err := training.ParseWith(arg, data, d.Lookup(ctx)) // stages may name the lab's own sets
	if err != nil {
		return err
	}
	before := 0
	if sp, err := d.Programme(ctx, p.Name, 0); err == nil {
		before = sp.Version
	}
	v, err := controller.SaveProgramme(ctx, d, p, d.Lookup(ctx), *by, time.Now())
	if err != nil {
		return err
	}
	if v == before {
		fmt.Fprintf(stdout, "programme %s unchanged: it is version %d already\n", p.Name, v)
		return nil
	}
	fmt.Fprintf(stdout, "programme %s saved as version %d (rats on older versions stay there until moved with --latest)\n", p.Name, v)
	return nil
}
