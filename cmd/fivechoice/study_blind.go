package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/study"
	"github.com/fivechoice/fivechoice/study/blinding"
)

// passphraseFlag is --passphrase-file: the key's passphrase is read from a
// file or typed on the terminal, never given as a flag's value
// (docs/blinding.md).
func passphraseFlag(fs *flag.FlagSet) *string {
	return fs.String("passphrase-file", "", "file whose first line is the passphrase of the study's key (mode 0600); without it the passphrase is typed on the terminal")
}

// passphrase reads the passphrase from file or the terminal (stdin), with
// the prompt on stderr.
func passphrase(file, study string, confirm bool, stderr io.Writer) blinding.Passphrase {
	return blinding.ReadPassphrase(file, study, confirm, os.Stdin, stderr)
}

// unsealedWarning is what show and list say of a key still in plain text.
func unsealedWarning(name string) string {
	return fmt.Sprintf("warning: study %s's key is UNSEALED: it is in plain text in the database, where anyone who opens it can read it; seal it with 'fivechoice study seal %s --by WHO'", name, name)
}

func studyUnblind(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("study unblind", "study unblind NAME --by WHO [--force] [--passphrase-file FILE] [--db FILE]", stderr)
	db := dbFlag(fs)
	by := fs.String("by", "", "who unblinds (required; recorded with the time)")
	force := fs.Bool("force", false, "unblind although test days remain to be run")
	file := passphraseFlag(fs)
	var name string
	if err := parseWithID(fs, args, &name); err != nil {
		return err
	}
	if strings.TrimSpace(*by) == "" {
		return errors.New("--by is required: who unblinds is recorded with the study")
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	remaining, planned, err := d.Remaining(ctx, name)
	if err != nil {
		return err
	}
	st, err := d.Study(ctx, name)
	if err != nil {
		return err
	}
	if st.Blind && st.UnblindedAt == nil && remaining > 0 {
		msg := fmt.Sprintf("study %s has %d of %d test days still to run: once unblinded, whoever runs them can see the conditions", name, remaining, planned)
		if !*force {
			return fmt.Errorf("%s; pass --force to unblind anyway", msg)
		}
		fmt.Fprintln(stderr, "warning:", msg)
	}
	key, warnings, err := blinding.Unblind(ctx, d, name, *by, passphrase(*file, name, false, stderr), time.Now())
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	s, _ := d.Study(ctx, name)
	fmt.Fprintf(stdout, "study %s unblinded %s by %s\n", name, s.UnblindedAt.Local().Format("2006-01-02 15:04"), s.UnblindedBy)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tCONDITION")
	for _, k := range key {
		fmt.Fprintf(tw, "%s\t%s\n", k.Code, k.Condition)
	}
	return tw.Flush()
}

// studySeal seals the key of a blind study created before keys were
// sealed (migration 0009).
func studySeal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("study seal", "study seal NAME --by WHO [--passphrase-file FILE] [--db FILE]", stderr)
	db := dbFlag(fs)
	by := fs.String("by", "", "who seals the key, holding its passphrase (required; recorded in the audit trail)")
	file := passphraseFlag(fs)
	var name string
	if err := parseWithID(fs, args, &name); err != nil {
		return err
	}
	if strings.TrimSpace(*by) == "" {
		return errors.New("--by is required: who seals the key is recorded in the audit trail")
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := blinding.SealStudy(ctx, d, name, *by, passphrase(*file, name, true, stderr), time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "study %s: key sealed; its plain rows are deleted and overwritten, and the design seed it was drawn from is kept in the sealed key. Keep the passphrase apart from the technicians: unblinding and dosing sheets need it.\n", name)
	return nil
}

// studyDosingSheet prints a test day's coded list for the preparer.
func studyDosingSheet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("study dosing-sheet", "study dosing-sheet NAME --day N --by WHO [--volume-ml-per-kg V] [--format text|csv] [--passphrase-file FILE] [--db FILE]", stderr)
	db := dbFlag(fs)
	day := fs.Int("day", 0, "the test day (1 for each rat's first)")
	by := fs.String("by", "", "who prints it (required; recorded in the audit trail)")
	volume := fs.Float64("volume-ml-per-kg", 0, "injection volume in ml per kg of body weight (default: each condition's own, or 1 ml/kg)")
	format := fs.String("format", "text", "text (for printing) or csv")
	file := passphraseFlag(fs)
	var name string
	if err := parseWithID(fs, args, &name); err != nil {
		return err
	}
	switch {
	case *day < 1:
		return errors.New("--day N is required (1 for each rat's first test day)")
	case strings.TrimSpace(*by) == "":
		return errors.New("--by is required: who printed the sheet is recorded in the audit trail")
	case *format != "text" && *format != "csv":
		return fmt.Errorf("--format %q: text or csv", *format)
	case *volume < 0:
		return errors.New("--volume-ml-per-kg must be positive")
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	sheet, err := blinding.DosingSheet(ctx, d, name, *day, *volume, *by, passphrase(*file, name, false, stderr))
	if err != nil {
		return err
	}
	if *format == "csv" {
		return sheet.CSV(stdout)
	}
	return sheet.Text(stdout)
}

// keyNote is the line study show prints about a blind study's key.
func keyNote(s storage.Study) string {
	switch {
	case !s.Blind:
		return ""
	case s.UnblindedAt != nil:
		return fmt.Sprintf("blind; unblinded %s by %s: conditions are shown as themselves", s.UnblindedAt.Local().Format("2006-01-02 15:04"), s.UnblindedBy)
	case s.KeyState == storage.KeySealed:
		return "blind: conditions are shown as codes; the key is sealed (its passphrase opens it: study unblind, study dosing-sheet)"
	}
	return "blind: conditions are shown as codes\n" + unsealedWarning(s.Name)
}

// storeStudy stores a new study: a blind one's key is sealed first, so
// that a refusal (no passphrase, conditions that would unblind) records
// nothing, not even the new subjects.
func storeStudy(ctx context.Context, d *storage.DB, plan study.Plan, file string, newSubjects bool, stderr io.Writer) error {
	var sealed blinding.Sealed
	if plan.Study.Blind {
		var warnings []string
		var err error
		if sealed, warnings, err = blinding.Prepare(ctx, d, plan, passphrase(file, plan.Study.Name, true, stderr)); err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
	}
	if err := knownSubjects(ctx, d, plan.Study.Subjects, newSubjects, "--new-subjects"); err != nil {
		return fmt.Errorf("--subjects: %w", err)
	}
	if plan.Study.Blind {
		return sealed.Store(ctx, d)
	}
	return d.CreateStudy(ctx, plan.Study, plan.Days, nil)
}
