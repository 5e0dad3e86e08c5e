package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/study/report"
)

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "report --db FILE --study NAME [--format md|csv|json] [--plots DIR]", stderr)
	db := fs.String("db", "fivechoice.db", "database `file`")
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
	d, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	r, err := buildReport(ctx, d, *name)
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

// buildReport loads a study's completed sessions and computes its report.
// A blind study is reported by code until it is unblinded.
func buildReport(ctx context.Context, d *storage.DB, name string) (report.Report, error) {
	s, err := d.Study(ctx, name)
	if err != nil {
		return report.Report{}, err
	}
	blinded := s.Blind && s.UnblindedAt == nil
	var conds []report.Condition
	if s.Blind && !blinded {
		key, err := d.BlindingKey(ctx, name)
		if err != nil {
			return report.Report{}, err
		}
		for _, k := range key {
			c, err := reportCondition(ctx, d, k.Condition)
			if err != nil {
				return report.Report{}, err
			}
			conds = append(conds, c)
		}
	} else {
		for _, id := range s.Conditions {
			if blinded {
				conds = append(conds, report.Condition{ID: id, Label: id})
				continue
			}
			c, err := reportCondition(ctx, d, id)
			if err != nil {
				return report.Report{}, err
			}
			conds = append(conds, c)
		}
	}
	if !blinded && len(conds) > 2 { // reference first, then by drug and dose
		rest := conds[1:]
		sort.SliceStable(rest, func(i, j int) bool {
			if rest[i].Drug != rest[j].Drug {
				return rest[i].Drug < rest[j].Drug
			}
			return *rest[i].Dose < *rest[j].Dose
		})
	}
	cols := make([]string, len(report.Measures))
	for i, m := range report.Measures {
		cols[i] = "m." + m.Key
	}
	rows, err := d.SQL().QueryContext(ctx, `SELECT s.subject_id, c.condition_id, `+strings.Join(cols, ", ")+`
		FROM sessions s JOIN session_condition c ON c.session = s.key JOIN session_measures m ON m.session = s.key
		WHERE s.study = ? AND s.end_reason IN ('max_trials', 'time_limit') ORDER BY s.started_at, s.id`, name)
	if err != nil {
		return report.Report{}, fmt.Errorf("report: %w", err)
	}
	defer rows.Close()
	var data []report.Row
	for rows.Next() {
		var r report.Row
		vals := make([]sql.NullFloat64, len(cols))
		dest := []any{&r.Subject, &r.Condition}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return report.Report{}, fmt.Errorf("report: %w", err)
		}
		r.Values = map[string]float64{}
		for i, m := range report.Measures {
			r.Values[m.Key] = math.NaN()
			if vals[i].Valid {
				r.Values[m.Key] = vals[i].Float64
			}
		}
		data = append(data, r)
	}
	if err := rows.Err(); err != nil {
		return report.Report{}, err
	}
	return report.Build(name, conds, s.Subjects, data, blinded), nil
}

func reportCondition(ctx context.Context, d *storage.DB, id string) (report.Condition, error) {
	c, err := d.Condition(ctx, id)
	if err != nil {
		return report.Condition{}, err
	}
	dose := c.DoseMgPerKg
	return report.Condition{ID: c.ID, Drug: c.Drug, Dose: &dose, Label: c.ID}, nil
}
