package storage

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A parser turns a field's new value as typed (on the command line, in
// the API's JSON) into what is stored; nil stores NULL.
type parser func(string) (driver.Value, error)

// subjectFields are a subject's correctable fields, by column.
var subjectFields = map[string]parser{
	"sex": parseSex, "strain": text, "cohort": text, "born": parseBorn, "notes": text,
}

// conditionFields are a dose condition's correctable fields, by column.
var conditionFields = map[string]parser{
	"drug": parseDrug, "dose_mg_per_kg": parseDose, "vehicle": text, "route": text,
	"volume_ml_per_kg": parseVolume, "pretreatment_min": parsePretreatment, "notes": text,
}

// SubjectFields and ConditionFields name the fields an Edit may set.
func SubjectFields() []string   { return fieldNames(subjectFields) }
func ConditionFields() []string { return fieldNames(conditionFields) }

func fieldNames(m map[string]parser) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func text(s string) (driver.Value, error) { return s, nil }

// parseSex takes female, male (F and M too, any case), or "" for not known.
func parseSex(s string) (driver.Value, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "f", "female":
		return "female", nil
	case "m", "male":
		return "male", nil
	case "":
		return "", nil
	}
	return nil, fmt.Errorf("want female (F), male (M) or nothing, got %q", s)
}

func parseBorn(s string) (driver.Value, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, fmt.Errorf("want a date YYYY-MM-DD, got %q", s)
	}
	if t.After(time.Now().AddDate(0, 0, 1)) {
		return nil, fmt.Errorf("%s is in the future", s)
	}
	return s, nil
}

func parseDrug(s string) (driver.Value, error) {
	switch strings.TrimSpace(s) {
	case "":
		return nil, errors.New("a condition needs a drug (vehicle for vehicle, none for no injection)")
	case "blinded":
		return nil, errors.New("blinded is reserved for the codes of blind studies")
	}
	return s, nil
}

func parseDose(s string) (driver.Value, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return nil, fmt.Errorf("want mg/kg, 0 or more, got %q", s)
	}
	return f, nil
}

func parseVolume(s string) (driver.Value, error) {
	if s == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return nil, fmt.Errorf("want ml/kg above 0 (or nothing), got %q", s)
	}
	return f, nil
}

func parsePretreatment(s string) (driver.Value, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("want whole minutes, 0 or more, got %q", s)
	}
	return int64(n), nil
}
