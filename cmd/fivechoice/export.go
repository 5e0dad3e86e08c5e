package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/fivechoice/fivechoice/storage"
)

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "export --db FILE --what sessions|trials|events [--study NAME] [--format csv] [--out FILE]", stderr)
	db := dbFlag(fs)
	what := fs.String("what", "sessions", "sessions, trials or events")
	study := fs.String("study", "", "only this study's sessions")
	format := fs.String("format", "csv", "csv (the only format)")
	out := fs.String("out", "", "write to this `file` (replaced whole only once written; default: standard output)")
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
	if *out == "" {
		return d.ExportCSV(ctx, stdout, *what, *study)
	}
	return writeFileAtomic(*out, func(w io.Writer) error { return d.ExportCSV(ctx, w, *what, *study) })
}

func cmdMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("merge", "merge --into LAB.db [--prefer this|other --by WHO] HOST1.db HOST2.db ...", stderr)
	into := fs.String("into", "", "the database `file` to merge into (created if missing)")
	var o storage.MergeOptions
	fs.StringVar(&o.Prefer, "prefer", "", "settle a subject's or condition's field (or a body weight) that differs with no correction saying which is right:\n"+
		"this keeps the --into file's value, other takes the merged file's; recorded as a correction (default: refuse that file)")
	fs.StringVar(&o.By, "by", "", "who settles differences with --prefer (required with it)")
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
		res, err := d.MergeWith(ctx, src, o)
		if err != nil {
			failed = append(failed, err)
			fmt.Fprintf(stderr, "%v\n", err)
			continue
		}
		fmt.Fprintf(stdout, "%s: %d sessions added (%d already there), %d attempts, %d events, %d subjects, %d conditions, %d studies, %d parameter set versions\n",
			src, res.Sessions, res.Skipped, res.Attempts, res.Events, res.Subjects, res.Conditions, res.Studies, res.ParamSets)
		fmt.Fprintf(stdout, "%s: %d corrections, %d exclusions, %d audit entries, %d body weights, %d notes, %d training changes added\n",
			src, res.Corrections, res.Exclusions, res.Audit, res.Weights, res.Notes, res.TrainingChanges)
		for _, s := range res.Settled {
			fmt.Fprintf(stdout, "  settled: %s\n", s)
		}
	}
	if len(failed) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d files not merged", len(failed), fs.NArg())}
	}
	return errors.Join(failed...)
}

// writeFileAtomic writes path through a temporary file in its directory,
// renamed over it once whole: an export that fails half-way never leaves
// a truncated CSV where an analysis would read it.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer os.Remove(f.Name()) // gone after the rename; left behind only on failure
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil { // a CSV for others to read, as os.Create would make it
		f.Close()
		return fmt.Errorf("--out %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--out %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("--out %s: %w", path, err)
	}
	return nil
}
