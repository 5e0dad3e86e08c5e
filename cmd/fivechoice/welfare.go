package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// DefaultWeightWarning is the percentage of free-feeding weight below
// which a food-restricted rat's weight is warned about (85 % is the usual
// limit of welfare rules).
const DefaultWeightWarning = storage.WeightWarningPct

// subjectWeigh records a body weight: fivechoice subject weigh ID --grams G;
// with --correct --why, it replaces a day's weight (a typo), the old value
// kept in the audit trail.
func subjectWeigh(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("subject weigh", "subject weigh ID --grams G [--free-feeding G] [--day YYYY-MM-DD] --by WHO [--correct --why TEXT] [--warn-below PCT] [--db FILE]", stderr)
	db := dbFlag(fs)
	grams := fs.Float64("grams", 0, "body weight in grams (required)")
	ff := fs.Float64("free-feeding", 0, "the free-feeding weight in grams, from this day on (once, or when it is re-measured)")
	day := fs.String("day", time.Now().Format(time.DateOnly), "the day weighed")
	by := fs.String("by", "", "who weighed (required)")
	correct := fs.Bool("correct", false, "replace the day's recorded weight (a typo); the old value is kept in the audit trail")
	why := fs.String("why", "", "with --correct: why (required)")
	warn := fs.Float64("warn-below", DefaultWeightWarning, "warn below this percentage of the free-feeding weight")
	var id string
	if err := parseWithID(fs, args, &id); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	before, err := d.Weights(ctx, id)
	if err != nil {
		return err
	}
	var w storage.Weight
	if *correct {
		w, err = d.CorrectWeight(ctx, id, *day, *grams, *ff, *by, *why, time.Now())
	} else {
		w, err = d.AddWeight(ctx, id, *day, *grams, *ff, *by, time.Now())
	}
	if errors.Is(err, storage.ErrInvalid) && strings.Contains(err.Error(), "already") {
		err = fmt.Errorf("%w (a wrong one: --correct --why TEXT replaces it, the old value kept)", err)
	}
	if err != nil {
		return err
	}
	if math.IsNaN(w.Pct) {
		fmt.Fprintf(stdout, "%s %s: %.1f g (no free-feeding weight yet: give --free-feeding once)\n", w.Subject, w.Day, w.Grams)
	} else {
		fmt.Fprintf(stdout, "%s %s: %.1f g, %.1f%% of free-feeding %.1f g\n", w.Subject, w.Day, w.Grams, w.Pct, w.FreeFeeding)
	}
	for _, msg := range storage.WeightWarnings(w, before, *warn) {
		fmt.Fprintln(stderr, "warning:", msg)
	}
	return nil
}

// subjectWeights prints weights as CSV (one subject, or all).
func subjectWeights(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("subject weights", "subject weights [ID] [--db FILE]", stderr)
	db := dbFlag(fs)
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := parse(fs, args, false); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if id != "" {
		if _, err := d.Subject(ctx, id); err != nil {
			return err
		}
	}
	ws, err := d.Weights(ctx, id)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(stdout)
	cw.Write([]string{"subject", "day", "grams", "free_feeding_grams", "pct_free_feeding", "by"})
	for _, w := range ws {
		ff, pct := "", ""
		if !math.IsNaN(w.Pct) {
			ff, pct = strconv.FormatFloat(w.FreeFeeding, 'f', -1, 64), strconv.FormatFloat(math.Round(w.Pct*10)/10, 'f', -1, 64)
		}
		cw.Write([]string{w.Subject, w.Day, strconv.FormatFloat(w.Grams, 'f', -1, 64), ff, pct, w.By})
	}
	cw.Flush()
	return cw.Error()
}

// addNote records a note: fivechoice subject|session note ID --by WHO --text TEXT.
func addNote(ctx context.Context, kind string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags(kind+" note", kind+" note ID --by WHO --text TEXT [--db FILE]", stderr)
	db := dbFlag(fs)
	by := fs.String("by", "", "who writes it (required)")
	text := fs.String("text", "", "the note (required)")
	var id string
	if err := parseWithID(fs, args, &id); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.AddNote(ctx, kind, id, *by, *text, time.Now()); err != nil {
		return err
	}
	notes, err := d.Notes(ctx, kind+" "+id)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintf(stdout, "%s  %s  %s\n", n.At.Local().Format("2006-01-02 15:04"), n.By, n.Text)
	}
	return nil
}
