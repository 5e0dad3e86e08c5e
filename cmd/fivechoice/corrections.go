package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/fivechoice/fivechoice/storage"
)

// editFlags are the flags of subject edit and condition edit: flag name,
// the column it sets, and its help.
var editFlags = map[string][][3]string{
	"subject": {
		{"sex", "sex", "female (F), male (M), or \"\" for not known"},
		{"strain", "strain", "strain"},
		{"cohort", "cohort", "cohort"},
		{"born", "born", "date of birth, YYYY-MM-DD (\"\" for not known)"},
		{"notes", "notes", "notes"},
	},
	"condition": {
		{"drug", "drug", "drug name"},
		{"dose", "dose_mg_per_kg", "dose in mg/kg"},
		{"vehicle", "vehicle", "vehicle"},
		{"route", "route", "route of administration"},
		{"volume", "volume_ml_per_kg", "injection volume in ml/kg (\"\" for not given)"},
		{"pretreatment", "pretreatment_min", "pretreatment time in minutes"},
		{"notes", "notes", "notes"},
	},
}

// correctionCmd is subject|condition edit|history.
func correctionCmd(ctx context.Context, kind string, args []string, stdout, stderr io.Writer) error {
	if args[0] == "edit" {
		return editRecord(ctx, kind, args[1:], stdout, stderr)
	}
	return recordHistory(ctx, kind, args[1:], stdout, stderr)
}

// editRecord corrects a subject's or condition's fields with who and why:
// fivechoice subject|condition edit ID --FIELD VALUE ... --by WHO --why TEXT.
func editRecord(ctx context.Context, kind string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags(kind+" edit", kind+" edit ID --FIELD VALUE ... --by WHO --why TEXT [--db FILE]", stderr)
	db := dbFlag(fs)
	by := fs.String("by", "", "who corrects (required)")
	why := fs.String("why", "", "why (required)")
	vals := map[string]*string{}
	for _, f := range editFlags[kind] {
		vals[f[0]] = fs.String(f[0], "", f[2])
	}
	e := storage.Edit{Set: map[string]string{}}
	if err := parseWithID(fs, args, &e.ID); err != nil {
		return err
	}
	for _, f := range editFlags[kind] {
		if flagGiven(fs, f[0]) {
			e.Set[f[1]] = *vals[f[0]]
		}
	}
	if len(e.Set) == 0 {
		var names []string
		for _, f := range editFlags[kind] {
			names = append(names, "--"+f[0])
		}
		return fmt.Errorf("%s edit %s: nothing to change: give one or more of %s", kind, e.ID, strings.Join(names, ", "))
	}
	e.By, e.Why = *by, *why
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	w, err := d.NewWriter()
	if err != nil {
		return err
	}
	edit := w.EditSubject
	if kind == "condition" {
		edit = w.EditCondition
	}
	got, err := edit(ctx, d, e)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if len(got) == 0 {
		fmt.Fprintf(stdout, "%s %s: nothing changed (the values given are the ones recorded)\n", kind, e.ID)
	}
	for _, c := range got {
		fmt.Fprintf(stdout, "%s %s: %s %q -> %q (by %s: %s)\n", kind, e.ID, c.Field, c.Old, c.New, c.By, c.Why)
	}
	return nil
}

// recordHistory prints a subject's or condition's corrections, oldest
// first: fivechoice subject|condition history ID [--json].
func recordHistory(ctx context.Context, kind string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags(kind+" history", kind+" history ID [--json] [--db FILE]", stderr)
	db := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	var id string
	if err := parseWithID(fs, args, &id); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if kind == "subject" {
		_, err = d.Subject(ctx, id)
	} else {
		_, err = d.Condition(ctx, id)
	}
	if err != nil {
		return err
	}
	trail, err := d.Corrections(ctx, kind+"s", id)
	if err != nil {
		return err
	}
	if *asJSON {
		if trail == nil {
			trail = []storage.Correction{}
		}
		return json.NewEncoder(stdout).Encode(trail)
	}
	if len(trail) == 0 {
		fmt.Fprintf(stdout, "%s %s: no corrections\n", kind, id)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tBY\tFIELD\tOLD\tNEW\tWHY")
	for _, c := range trail {
		fmt.Fprintln(tw, strings.Join([]string{c.At.Local().Format("2006-01-02 15:04:05"), c.By, c.Field, quoteEmpty(c.Old), quoteEmpty(c.New), c.Why}, "\t"))
	}
	return tw.Flush()
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// flagGiven reports whether a flag was on the command line (an empty
// value given on purpose, --born "", counts).
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
