package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// cmdRunSheet plans the day's squads (which rat in which chamber, in
// which order), the same run sheet the control-room page shows and starts
// from (docs/web.md).
func cmdRunSheet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := "Usage: fivechoice runsheet add --chamber NAME --subject ID (--protocol P --condition C | --study NAME) [--squad N] [--day YYYY-MM-DD] --db FILE\n" +
		"       fivechoice runsheet show [--day YYYY-MM-DD] --db FILE\n       fivechoice runsheet remove ID --db FILE"
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "add":
		return runSheetAdd(ctx, args[1:], stdout, stderr)
	case "show":
		return runSheetShow(ctx, args[1:], stdout, stderr)
	case "remove":
		return runSheetRemove(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, usage)
	return errUsage
}

func runSheetAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("runsheet add", "runsheet add --chamber NAME --subject ID (--protocol P --condition C | --study NAME) [flags]", stderr)
	db := dbFlag(fs)
	var e storage.RunEntry
	fs.StringVar(&e.Day, "day", time.Now().Format(time.DateOnly), "the day, YYYY-MM-DD")
	fs.StringVar(&e.Chamber, "chamber", "", "the chamber (as named in the daemon's configuration)")
	fs.IntVar(&e.Squad, "squad", 0, "the squad (1, 2 ...: the order of the day's rounds); 0: the chamber's next")
	fs.StringVar(&e.Subject, "subject", "", "the rat")
	fs.StringVar(&e.Protocol, "protocol", "", "the protocol (without --study)")
	fs.StringVar(&e.Condition, "condition", "", "the condition (without --study)")
	fs.StringVar(&e.Study, "study", "", "a study: the rat's next test day, whose condition the study chooses")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.CheckRunEntry(ctx, e); err != nil {
		return err
	}
	id, err := d.AddRunEntry(ctx, e)
	if err != nil {
		return err
	}
	e, err = d.RunEntry(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "entry %d: %s, %s squad %d: %s\n", e.ID, e.Day, e.Chamber, e.Squad, e.Subject)
	return nil
}

func runSheetShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("runsheet show", "runsheet show [--day YYYY-MM-DD]", stderr)
	db := dbFlag(fs)
	day := fs.String("day", time.Now().Format(time.DateOnly), "the day, YYYY-MM-DD")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	es, err := d.RunSheet(ctx, *day)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Run sheet for %s\n", *day)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTRY\tSQUAD\tCHAMBER\tSUBJECT\tWHAT\tSESSION\tSTATUS")
	for _, e := range es {
		what := e.Protocol + " " + e.Condition
		if e.Study != "" {
			what = "study " + e.Study
		}
		status := "planned"
		if e.Session != "" {
			status = e.Status + " " + e.EndReason
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Squad, e.Chamber, e.Subject, what, e.Session, status)
	}
	return tw.Flush()
}

func runSheetRemove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("runsheet remove", "runsheet remove ID", stderr)
	db := dbFlag(fs)
	var raw string
	if err := parseWithID(fs, args, &raw); err != nil {
		return err
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return fmt.Errorf("entry %q: want its number (runsheet show lists them)", raw)
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.RemoveRunEntry(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "entry %d removed\n", id)
	return nil
}
