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

	"github.com/fivechoice/fivechoice/storage"
)

// dbFlag defines the --db flag of the commands that read or change the
// records, the same on every one of them; openDB opens what it names.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "fivechoice.db", "database `file`")
}

// openDB opens the database named by a --db flag.
func openDB(ctx context.Context, path string) (*storage.DB, error) {
	if path == "" {
		return nil, errors.New("--db is required")
	}
	return storage.Open(ctx, path)
}

// openRecords opens a database that must exist already: a command that
// reads records (report, export, rescore, a list) given a misspelt path
// would otherwise make an empty database and report nothing, as if there
// were nothing.
func openRecords(ctx context.Context, path string) (*storage.DB, error) {
	if path == "" {
		return nil, errors.New("--db is required")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return storage.Open(ctx, path)
}

// knownSubjects checks that every id is a recorded subject, or records the
// new ones when add is set (the flag named addFlag): a typo such as R1O for
// R10 must not become a new rat silently.
func knownSubjects(ctx context.Context, d *storage.DB, ids []string, add bool, addFlag string) error {
	var unknown []string
	for _, id := range ids {
		if add {
			if err := d.EnsureSubject(ctx, id); err != nil {
				return err
			}
			continue
		}
		if _, err := d.Subject(ctx, id); errors.Is(err, storage.ErrNotFound) {
			unknown = append(unknown, id)
		} else if err != nil {
			return err
		}
	}
	if len(unknown) > 0 {
		subs, err := d.Subjects(ctx)
		if err != nil {
			return err
		}
		var known, hints []string
		for _, s := range subs {
			known = append(known, s.ID)
		}
		for _, id := range unknown {
			if c := storage.Closest(id, known); len(c) > 0 {
				hints = append(hints, fmt.Sprintf("%s: did you mean %s?", id, strings.Join(c, " or ")))
			}
		}
		hint := ""
		if len(hints) > 0 {
			hint = " (" + strings.Join(hints, "; ") + ")"
		}
		if addFlag == "" {
			return fmt.Errorf("unknown subject %s%s: add it with 'fivechoice subject add'", strings.Join(unknown, ", "), hint)
		}
		return fmt.Errorf("unknown subject %s%s: add it with 'fivechoice subject add', or pass %s to record new subjects", strings.Join(unknown, ", "), hint, addFlag)
	}
	return nil
}

// listRecords is the list subcommand of subject and condition: a table,
// or JSON with --json.
func listRecords(ctx context.Context, what string, args []string, stdout, stderr io.Writer, fetch func(*storage.DB) (any, []string, [][]string, error)) error {
	fs := newFlags(what+" list", what+" list --db FILE [--json]", stderr)
	db := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	records, header, rows, err := fetch(d)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(records)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func cmdSubject(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "weigh":
		return subjectWeigh(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "weights":
		return subjectWeights(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "note":
		return addNote(ctx, "subject", args[1:], stdout, stderr)
	case len(args) > 0 && (args[0] == "edit" || args[0] == "history"): // corrections.go
		return correctionCmd(ctx, "subject", args, stdout, stderr)
	case len(args) == 0 || (args[0] != "add" && args[0] != "list"):
		fmt.Fprintln(stderr, "Usage: fivechoice subject add ID [--sex female|male] [--strain S] [--cohort C] [--born YYYY-MM-DD] [--notes N] --db FILE\n"+
			"       fivechoice subject list --db FILE [--json]\n       fivechoice subject weigh ID --grams G [--free-feeding G] --by WHO\n"+
			"       fivechoice subject weights [ID]\n       fivechoice subject note ID --by WHO --text TEXT\n"+
			"       fivechoice subject edit ID [--sex F|M] [--strain S] [--cohort C] [--born YYYY-MM-DD] [--notes N] --by WHO --why TEXT\n       fivechoice subject history ID [--json]")
		return errUsage
	}
	if args[0] == "list" {
		return listRecords(ctx, "subject", args[1:], stdout, stderr, func(d *storage.DB) (any, []string, [][]string, error) {
			subs, err := d.Subjects(ctx)
			var rows [][]string
			for _, s := range subs {
				rows = append(rows, []string{s.ID, s.Sex, s.Strain, s.Cohort, s.Born, s.Notes})
			}
			return subs, []string{"ID", "SEX", "STRAIN", "COHORT", "BORN", "NOTES"}, rows, err
		})
	}
	fs := newFlags("subject add", "subject add ID [flags]", stderr)
	db := dbFlag(fs)
	var s storage.Subject
	fs.StringVar(&s.Sex, "sex", "", "female or male")
	fs.StringVar(&s.Strain, "strain", "", "strain, e.g. Lister Hooded")
	fs.StringVar(&s.Cohort, "cohort", "", "cohort")
	fs.StringVar(&s.Born, "born", "", "date of birth, YYYY-MM-DD")
	fs.StringVar(&s.Notes, "notes", "", "notes")
	if err := parseWithID(fs, args[1:], &s.ID); err != nil {
		return err
	}
	d, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.AddSubject(ctx, s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "subject %s added\n", s.ID)
	return nil
}

// parseWithID parses flags with one positional ID anywhere among them.
func parseWithID(fs *flag.FlagSet, args []string, id *string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	*id = pos[0]
	return nil
}

func cmdCondition(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "edit" || args[0] == "history") { // corrections.go
		return correctionCmd(ctx, "condition", args, stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "add" && args[0] != "list") {
		fmt.Fprintln(stderr, "Usage: fivechoice condition add ID --drug NAME --dose MG_PER_KG [--vehicle V] [--route R] [--volume ML_PER_KG] [--pretreatment MIN] --db FILE\n       fivechoice condition list --db FILE [--json]\n"+
			"       fivechoice condition edit ID [--drug D] [--dose MG_PER_KG] [--vehicle V] [--route R] [--volume ML_PER_KG] [--pretreatment MIN] [--notes N] --by WHO --why TEXT\n       fivechoice condition history ID [--json]")
		return errUsage
	}
	if args[0] == "list" {
		return listRecords(ctx, "condition", args[1:], stdout, stderr, func(d *storage.DB) (any, []string, [][]string, error) {
			cs, err := d.Conditions(ctx)
			var shown []storage.Condition
			var rows [][]string
			for _, c := range cs {
				if c.Drug == "blinded" { // a blind study's codes are listed with the study
					continue
				}
				vol := ""
				if c.VolumeMlPerKg > 0 {
					vol = fmt.Sprint(c.VolumeMlPerKg)
				}
				shown = append(shown, c)
				rows = append(rows, []string{c.ID, c.Drug, fmt.Sprint(c.DoseMgPerKg), c.Vehicle, c.Route, vol, fmt.Sprint(c.PretreatmentMin)})
			}
			return shown, []string{"ID", "DRUG", "DOSE mg/kg", "VEHICLE", "ROUTE", "VOLUME ml/kg", "PRETREATMENT min"}, rows, err
		})
	}
	fs := newFlags("condition add", "condition add ID --drug NAME --dose MG_PER_KG [flags]", stderr)
	db := dbFlag(fs)
	var c storage.Condition
	fs.StringVar(&c.Drug, "drug", "", "drug name (vehicle for vehicle)")
	fs.Float64Var(&c.DoseMgPerKg, "dose", 0, "dose in mg/kg")
	fs.StringVar(&c.Vehicle, "vehicle", "saline", "vehicle")
	fs.StringVar(&c.Route, "route", "i.p.", "route of administration")
	fs.Float64Var(&c.VolumeMlPerKg, "volume", 1, "injection volume in ml/kg")
	fs.IntVar(&c.PretreatmentMin, "pretreatment", 30, "pretreatment time in minutes (injection to session start)")
	fs.StringVar(&c.Notes, "notes", "", "notes")
	if err := parseWithID(fs, args[1:], &c.ID); err != nil {
		return err
	}
	if c.Drug == "" {
		return errors.New("--drug is required")
	}
	if c.Drug == "blinded" {
		return errors.New("--drug blinded is reserved for the codes of blind studies")
	}
	doseGiven := false
	fs.Visit(func(f *flag.Flag) { doseGiven = doseGiven || f.Name == "dose" })
	noDrug := c.Drug == "vehicle" || c.Drug == "none"
	switch {
	case !noDrug && !doseGiven:
		// A forgotten --dose was stored as 0 mg/kg, for good (issue 16).
		return fmt.Errorf("--dose is required for drug %s (mg/kg); a condition's dose never changes once sessions use it", c.Drug)
	case noDrug && c.DoseMgPerKg != 0:
		return fmt.Errorf("--drug %s takes no dose, got --dose %g", c.Drug, c.DoseMgPerKg)
	}
	d, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.AddCondition(ctx, c); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "condition %s added\n", c.ID)
	return nil
}
