package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/fivechoice/fivechoice/storage"
)

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "export --db FILE --what sessions|trials|events [--study NAME] [--format csv] [--out FILE]", stderr)
	db := dbFlag(fs)
	what := fs.String("what", "sessions", "sessions, trials or events")
	study := fs.String("study", "", "only this study's sessions")
	format := fs.String("format", "csv", "csv (the only format)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if !slices.Contains(storage.ExportTables, *what) {
		return fmt.Errorf("--what %q: want sessions, trials or events", *what)
	}
	if *format != "csv" {
		return fmt.Errorf("--format %q: only csv", *format)
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.ExportCSV(ctx, stdout, *what, *study)
}

func cmdMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("merge", "merge --into LAB.db HOST1.db HOST2.db ...", stderr)
	into := fs.String("into", "", "the database `file` to merge into (created if missing)")
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if *into == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	d, err := storage.Open(ctx, *into)
	if err != nil {
		return err
	}
	defer d.Close()
	var failed []error
	for _, src := range fs.Args() {
		// Bring the source's schema up to date first, so its columns match;
		// a source that does not exist is an error, never an empty merge.
		sd, err := openRecords(ctx, src)
		if err != nil {
			failed = append(failed, err)
			fmt.Fprintf(stderr, "%v\n", err)
			continue
		}
		sd.Close()
		res, err := d.Merge(ctx, src)
		if err != nil {
			failed = append(failed, err)
			fmt.Fprintf(stderr, "%v\n", err)
			continue
		}
		fmt.Fprintf(stdout, "%s: %d sessions added (%d already there), %d attempts, %d events, %d subjects, %d conditions, %d studies, %d parameter set versions\n",
			src, res.Sessions, res.Skipped, res.Attempts, res.Events, res.Subjects, res.Conditions, res.Studies, res.ParamSets)
	}
	if len(failed) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d files not merged", len(failed), fs.NArg())}
	}
	return errors.Join(failed...)
}
