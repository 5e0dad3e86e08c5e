package main

import (
	"context"
	"fmt"
	"io"

	"github.com/fivechoice/fivechoice/study/report"
)

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "report --db FILE --study NAME [--format md|csv|json] [--plots DIR]", stderr)
	db := dbFlag(fs)
	name := fs.String("study", "", "the study")
	format := fs.String("format", "md", "md, csv or json")
	plots := fs.String("plots", "", "write one dose-response figure per measure (PNG and SVG) into this `folder`")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("--study is required")
	}
	if *format != "md" && *format != "csv" && *format != "json" {
		return fmt.Errorf("--format %q: want md, csv or json", *format)
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	r, err := report.Load(ctx, d, *name, report.Options{})
	if err != nil {
		return err
	}
	switch *format {
	case "csv":
		err = r.CSV(stdout)
	case "json":
		err = r.JSON(stdout)
	default:
		err = r.Markdown(stdout)
	}
	if err != nil {
		return err
	}
	if *plots != "" {
		files, err := r.Plots(*plots)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%d figures written to %s\n", len(files), *plots)
	}
	return nil
}
