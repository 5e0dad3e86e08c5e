package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// cmdSession excludes a session from reports and study progress, or
// reinstates it, with who and why (the session itself is never deleted),
// and lists the exclusions and the audit trail.
func cmdSession(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "Usage: fivechoice session exclude|reinstate ID --why TEXT --by WHO [--db FILE]\n       fivechoice session exclusions|audit [--db FILE]\n       fivechoice session note ID --by WHO --text TEXT")
		return errUsage
	}
	switch args[0] {
	case "exclude", "reinstate":
		return sessionExclude(ctx, args[0], args[1:], stdout, stderr)
	case "exclusions", "audit":
		return sessionAudit(ctx, args[0], args[1:], stdout, stderr)
	case "note":
		return addNote(ctx, "session", args[1:], stdout, stderr)
	}
	return fmt.Errorf("session: unknown subcommand %q (exclude, reinstate, exclusions, audit, note)", args[0])
}

func sessionExclude(ctx context.Context, action string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("session "+action, "session "+action+" ID --why TEXT --by WHO [--db FILE]", stderr)
	db := dbFlag(fs)
	why := fs.String("why", "", "why (required; recorded), e.g. \"pellet dispenser jammed\"")
	by := fs.String("by", "", "who (required; recorded)")
	var id string
	if err := parseWithID(fs, args, &id); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	change := d.Exclude
	if action == "reinstate" {
		change = d.Reinstate
	}
	if err := change(ctx, id, *by, *why, time.Now()); err != nil {
		return err
	}
	if action == "exclude" {
		fmt.Fprintf(stdout, "session %s excluded by %s (%s): kept stored, left out of reports and study progress; its test day is open again\n", id, *by, *why)
	} else {
		fmt.Fprintf(stdout, "session %s reinstated by %s (%s)\n", id, *by, *why)
	}
	return nil
}

func sessionAudit(ctx context.Context, what string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("session "+what, "session "+what+" [--db FILE]", stderr)
	db := dbFlag(fs)
	if err := parse(fs, args, false); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	if what == "exclusions" {
		ex, err := d.Exclusions(ctx, "")
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "SESSION\tEXCLUDED\tBY\tWHY")
		for _, e := range ex {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Session, e.At.Local().Format("2006-01-02 15:04"), e.By, e.Why)
		}
		return tw.Flush()
	}
	entries, err := d.Audit(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(tw, "AT\tBY\tACTION\tTARGET\tCHANGE\tWHY")
	for _, a := range entries {
		change := ""
		if a.Field != "" {
			change = fmt.Sprintf("%s %q -> %q", a.Field, a.Old, a.New)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.At.Local().Format("2006-01-02 15:04:05"), a.By, a.Action, a.Target, change, a.Why)
	}
	return tw.Flush()
}
