package main

import (
	"context"
	"fmt"
	"io"

	"github.com/fivechoice/fivechoice/study/report"
)

const reportSynopsis = "report --db FILE --study NAME [--format md|json|csv|wide|long] [--transform none|conventional|MEASURE=sqrt|arcsine,...]\n" +
	"       [--plots DIR [--error-bars sem|ci95] [--dose-axis categorical|log] [--figure-formats png,svg,pdf] [--dpi 300]]"

// reportFormats are what --format writes to stdout: the Markdown report,
// JSON, the tidy results CSV, the wide CSV (one row per rat, for Prism and
// SPSS) and the long values CSV (one row per rat x condition x measure).
var reportFormats = map[string]func(report.Report, io.Writer) error{
	"md":   report.Report.Markdown,
	"json": report.Report.JSON,
	"csv":  report.Report.CSV,
	"wide": report.Report.WideCSV,
	"long": report.Report.DataCSV,
}

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", reportSynopsis, stderr)
	db := dbFlag(fs)
	name := fs.String("study", "", "the study")
	format := fs.String("format", "md", "md, json, csv (results), wide (one row per rat, a column per measure x condition) or long (one row per value)")
	transform := fs.String("transform", "none", "before the tests: none, conventional (sqrt for counts, arcsine-sqrt for percentages) or MEASURE=sqrt|arcsine,... (docs/report.md)")
	plots := fs.String("plots", "", "write the journal figures (one per measure and the multi-panel summary) into this `folder`")
	bars := fs.String("error-bars", "sem", "figure error bars: sem or ci95")
	axis := fs.String("dose-axis", "categorical", "figure dose axis: categorical or log")
	formats := fs.String("figure-formats", "png,svg,pdf", "figure files: any of png, svg, pdf")
	dpi := fs.Int("dpi", 300, "PNG resolution, at least 300")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("--study is required")
	}
	write, ok := reportFormats[*format]
	if !ok {
		return fmt.Errorf("--format %q: want md, json, csv, wide or long", *format)
	}
	tr, err := report.ParseTransforms(*transform)
	if err != nil {
		return fmt.Errorf("--transform: %w", err)
	}
	figOpt, err := report.ParseFigureOptions(*bars, *axis, *formats, *dpi)
	if err != nil {
		return fmt.Errorf("figure options: %w", err)
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	r, err := report.Load(ctx, d, *name, report.Options{Transforms: tr})
	if err != nil {
		return err
	}
	if err := write(r, stdout); err != nil {
		return err
	}
	if *plots != "" {
		files, err := r.Figures(*plots, figOpt)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%d figure files written to %s\n", len(files), *plots)
	}
	return nil
}
