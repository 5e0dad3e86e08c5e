package blinding

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// A Dose is one rat's line of a dosing sheet.
type Dose struct {
	Subject     string
	Code        string // the code condition the operators see
	Drug        string
	DoseMgPerKg float64
	Route       string
	Vehicle     string
	// VolumeMlPerKg is the injection volume per kg of body weight;
	// ConcentrationMgPerMl the solution that gives the dose in it.
	VolumeMlPerKg, ConcentrationMgPerMl float64
	// Grams is the latest recorded body weight (0: none recorded) and
	// WeighedOn its day; VolumeMl is the volume to inject at that weight.
	Grams     float64
	WeighedOn string
	VolumeMl  float64
	// Note says what the preparer should check: no weight, or one too old
	// to dose by (StaleWeight).
	Note string
}

// StaleWeight is how old a weight may be before the sheet says to weigh
// the rat again: food-restricted rats are weighed daily.
const StaleWeight = 3 * 24 * time.Hour

// A Sheet is a test day's dosing sheet: what the person who prepares the
// coded solutions needs, per rat, while the study stays blind for
// everyone else.
type Sheet struct {
	Study string
	Day   int
	Date  string // planned, YYYY-MM-DD
	Doses []Dose // by subject
}

// DosingSheet opens a study's sealed key and lists, for each rat's test
// day day, its code, drug, dose, route, latest body weight and volume to
// inject. volumeMlPerKg > 0 sets the injection volume for every rat;
// otherwise each condition's own, or 1 ml/kg where it records none. The
// study stays blind: nothing is stored but a line in the audit trail
// saying who printed the sheet.
func DosingSheet(ctx context.Context, d *storage.DB, name string, day int, volumeMlPerKg float64, by string, pass Passphrase) (Sheet, error) {
	s, err := d.Study(ctx, name)
	if err != nil {
		return Sheet{}, err
	}
	if s.KeyState != storage.KeySealed {
		return Sheet{}, fmt.Errorf("study %s (key %s): a dosing sheet is for a blind study whose key is sealed (an unsealed key: 'fivechoice study seal %s' first)", name, state(s), name)
	}
	plan, err := d.Plan(ctx, name)
	if err != nil {
		return Sheet{}, err
	}
	sheet := Sheet{Study: name, Day: day}
	var days []storage.PlanDay
	for _, p := range plan {
		if p.Day == day {
			days = append(days, p)
		}
	}
	if len(days) == 0 {
		return Sheet{}, fmt.Errorf("study %s has no test day %d (it has %d)", name, day, len(s.Conditions))
	}
	sheet.Date = days[0].Date
	k, err := OpenKey(ctx, d, name, pass)
	if err != nil {
		return Sheet{}, err
	}
	byCode := map[string]Entry{}
	for _, e := range k.Entries {
		byCode[e.Code] = e
	}
	for _, p := range days {
		e, ok := byCode[p.Condition]
		if !ok {
			return Sheet{}, fmt.Errorf("study %s: %s's day %d is %s, which the key does not name", name, p.Subject, day, p.Condition)
		}
		dose, err := doseOf(ctx, d, p.Subject, e, volumeMlPerKg, time.Now())
		if err != nil {
			return Sheet{}, err
		}
		sheet.Doses = append(sheet.Doses, dose)
	}
	sort.Slice(sheet.Doses, func(i, j int) bool { return sheet.Doses[i].Subject < sheet.Doses[j].Subject })
	return sheet, d.RecordDosingSheet(ctx, name, day, by, time.Now())
}

// doseOf is one rat's dose under a key entry at its latest weight on or
// before today (a weight entered for a later day is not the rat's today).
func doseOf(ctx context.Context, d *storage.DB, subject string, e Entry, volumeMlPerKg float64, now time.Time) (Dose, error) {
	vol := volumeMlPerKg
	if vol <= 0 {
		vol = e.VolumeMlPerKg
	}
	if vol <= 0 {
		vol = 1
	}
	dose := Dose{Subject: subject, Code: e.Code, Drug: e.Drug, DoseMgPerKg: e.DoseMgPerKg, Route: e.Route, Vehicle: e.Vehicle,
		VolumeMlPerKg: vol, ConcentrationMgPerMl: e.DoseMgPerKg / vol}
	weights, err := d.Weights(ctx, subject)
	if err != nil {
		return Dose{}, err
	}
	today := now.Format(time.DateOnly)
	dose.Note = NoWeight
	for i := len(weights) - 1; i >= 0; i-- { // by day: the latest first
		w := weights[i]
		if w.Day > today {
			continue
		}
		dose.Grams, dose.WeighedOn, dose.VolumeMl, dose.Note = w.Grams, w.Day, w.Grams/1000*vol, ""
		if on, err := time.ParseInLocation(time.DateOnly, w.Day, now.Location()); err == nil && now.Sub(on) > StaleWeight+24*time.Hour {
			dose.Note = fmt.Sprintf("weighed %d days ago: weigh it before dosing", int(now.Sub(on).Hours()/24))
		}
		break
	}
	return dose, nil
}

// NoWeight is what a sheet says of a rat without a recorded weight,
// where a volume would be.
const NoWeight = "no weight recorded"

// Text writes the sheet for printing.
func (s Sheet) Text(w io.Writer) error {
	fmt.Fprintf(w, "Dosing sheet: study %s, test day %d (planned %s)\n", s.Study, s.Day, s.Date)
	fmt.Fprintln(w, "FOR THE PREPARER ONLY: it names the drug behind each code. Label each syringe with the rat and the code alone.")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RAT\tCODE\tDRUG\tDOSE mg/kg\tROUTE\tSOLUTION mg/ml\tml/kg\tWEIGHT g\tWEIGHED\tINJECT ml\tNOTE")
	for _, d := range s.Doses {
		weight, on, vol := NoWeight, "", NoWeight
		if d.Grams > 0 {
			weight, on, vol = num(d.Grams), d.WeighedOn, strconv.FormatFloat(d.VolumeMl, 'f', 3, 64)
		}
		note := d.Note
		if note == NoWeight {
			note = ""
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Subject, d.Code, d.Drug, num(d.DoseMgPerKg), d.Route,
			num(d.ConcentrationMgPerMl), num(d.VolumeMlPerKg), weight, on, vol, note)
	}
	return tw.Flush()
}

// CSV writes the sheet as CSV, one row per rat; a rat without a weight
// has empty weight and volume cells and says so in the note column.
func (s Sheet) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"study", "day", "planned_date", "subject", "code", "drug", "dose_mg_per_kg", "route", "vehicle",
		"concentration_mg_per_ml", "volume_ml_per_kg", "weight_g", "weighed_on", "inject_ml", "note"})
	for _, d := range s.Doses {
		weight, vol, note := "", "", d.Note
		if d.Grams > 0 {
			weight, vol = num(d.Grams), strconv.FormatFloat(d.VolumeMl, 'f', 3, 64)
		}
		cw.Write([]string{s.Study, strconv.Itoa(s.Day), s.Date, d.Subject, d.Code, d.Drug, num(d.DoseMgPerKg), d.Route, d.Vehicle,
			num(d.ConcentrationMgPerMl), num(d.VolumeMlPerKg), weight, d.WeighedOn, vol, note})
	}
	cw.Flush()
	return cw.Error()
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
