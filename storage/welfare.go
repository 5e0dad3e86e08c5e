package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// A Weight is a subject's body weight on a day, with the free-feeding
// weight in force then and the percentage of it (NaN when none is known).
type Weight struct {
	Subject     string  `json:"subject"`
	Day         string  `json:"day"` // YYYY-MM-DD
	Grams       float64 `json:"grams"`
	FreeFeeding float64 `json:"free_feeding_grams"` // 0: not known
	Pct         float64 `json:"pct_free_feeding"`
	By          string  `json:"by"`
}

// AddWeight records a subject's body weight for a day (one a day: a
// second is refused), signed. freeFeeding, if not 0, sets the free-feeding
// weight from that day on; otherwise the latest one given before is used.
func (d *DB) AddWeight(ctx context.Context, subject, day string, grams, freeFeeding float64, by string, at time.Time) (Weight, error) {
	if err := d.checkWeighing(ctx, subject, day, grams, freeFeeding, by); err != nil {
		return Weight{}, err
	}
	_, err := d.db.ExecContext(ctx, insertWeight, weightValues(subject, day, grams, freeFeeding, by, at)...)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return Weight{}, fmt.Errorf("%s has a weight for %s already: %w", subject, day, ErrInvalid)
		}
		return Weight{}, fmt.Errorf("weight of %s: %w", subject, err)
	}
	return d.weightOn(ctx, subject, day)
}

const insertWeight = `INSERT INTO body_weights (subject_id, day, grams, free_feeding_grams, by, at) VALUES (?, ?, ?, ?, ?, ?)`

// weightValues are insertWeight's arguments; a free-feeding weight of 0
// is none given that day.
func weightValues(subject, day string, grams, freeFeeding float64, by string, at time.Time) []any {
	var ff any
	if freeFeeding > 0 {
		ff = freeFeeding
	}
	return []any{subject, day, grams, ff, by, at.UTC().Format(time.RFC3339Nano)}
}

// checkWeighing refuses a weighing of a day that is not a date, out of
// range, unsigned, or of a rat not recorded.
func (d *DB) checkWeighing(ctx context.Context, subject, day string, grams, freeFeeding float64, by string) error {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return fmt.Errorf("weight of %s: day %q: want YYYY-MM-DD: %w", subject, day, ErrInvalid)
	}
	if err := checkWeight(subject, grams, freeFeeding, by); err != nil {
		return err
	}
	_, err := d.Subject(ctx, subject)
	return err
}

// weightOn reads back a rat's weight of a day, with the free-feeding
// weight in force then.
func (d *DB) weightOn(ctx context.Context, subject, day string) (Weight, error) {
	ws, err := d.Weights(ctx, subject)
	if err != nil {
		return Weight{}, err
	}
	for _, w := range ws {
		if w.Day == day {
			return w, nil
		}
	}
	return Weight{}, fmt.Errorf("weight of %s on %s: stored but not found", subject, day)
}

// Weights returns a subject's weights (every subject's, subject empty), by
// subject and day, each with the free-feeding weight in force that day.
func (d *DB) Weights(ctx context.Context, subject string) ([]Weight, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT w.subject_id, w.day, w.grams, w.by,
		(SELECT f.free_feeding_grams FROM body_weights f WHERE f.subject_id = w.subject_id AND f.day <= w.day
		 AND f.free_feeding_grams IS NOT NULL ORDER BY f.day DESC LIMIT 1)
		FROM body_weights w WHERE (?1 = '' OR w.subject_id = ?1) ORDER BY w.subject_id, w.day`, subject)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	defer rows.Close()
	var out []Weight
	for rows.Next() {
		var w Weight
		var ff sql.NullFloat64
		if err := rows.Scan(&w.Subject, &w.Day, &w.Grams, &w.By, &ff); err != nil {
			return nil, fmt.Errorf("weights: %w", err)
		}
		w.Pct = math.NaN()
		if ff.Valid {
			w.FreeFeeding, w.Pct = ff.Float64, 100*w.Grams/ff.Float64
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// A Note is a signed, timestamped note on a subject or a session.
type Note struct {
	Target string    `json:"target"` // "subject R01" or "session ID"
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Text   string    `json:"text"`
}

// AddNote records a note on a subject ("subject", id) or a session
// ("session", id) that exists.
func (d *DB) AddNote(ctx context.Context, kind, id, by, text string, at time.Time) error {
	if err := d.checkNote(ctx, kind, id, by, text); err != nil {
		return err
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO notes (target, at, by, text) VALUES (?, ?, ?, ?)`, kind+" "+id, at.UTC().Format(time.RFC3339Nano), by, text)
	if err != nil {
		return fmt.Errorf("note on %s %s: %w", kind, id, err)
	}
	return nil
}

// Notes returns the notes on a target ("subject R01"), or all (""), oldest first.
func (d *DB) Notes(ctx context.Context, target string) ([]Note, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT target, at, by, text FROM notes WHERE (?1 = '' OR target = ?1) ORDER BY id`, target)
	if err != nil {
		return nil, fmt.Errorf("notes: %w", err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var n Note
		var at string
		if err := rows.Scan(&n.Target, &at, &n.By, &n.Text); err != nil {
			return nil, fmt.Errorf("notes: %w", err)
		}
		n.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// checkWeight refuses a weight out of range or unsigned, saying which.
func checkWeight(subject string, grams, freeFeeding float64, by string) error {
	switch {
	case !(grams > 0 && grams < 2000):
		return fmt.Errorf("weight of %s: grams %v: want more than 0 and less than 2000: %w", subject, grams, ErrInvalid)
	case !(freeFeeding >= 0 && freeFeeding < 2000):
		return fmt.Errorf("weight of %s: free-feeding grams %v: want less than 2000: %w", subject, freeFeeding, ErrInvalid)
	case strings.TrimSpace(by) == "":
		return fmt.Errorf("weight of %s: who weighed is required: %w", subject, ErrInvalid)
	}
	return nil
}

// CorrectWeight replaces a day's recorded weight (a typo: 3 g for 330 g)
// and keeps the old value in the audit trail with who, when and why. A
// free-feeding weight of 0 leaves the day's as it was.
func (d *DB) CorrectWeight(ctx context.Context, subject, day string, grams, freeFeeding float64, by, why string, at time.Time) (Weight, error) {
	if err := checkWeight(subject, grams, freeFeeding, by); err != nil {
		return Weight{}, err
	}
	if strings.TrimSpace(why) == "" {
		return Weight{}, fmt.Errorf("correct the weight of %s on %s: say why: %w", subject, day, ErrInvalid)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return Weight{}, err
	}
	defer tx.Rollback()
	var old float64
	var oldFF sql.NullFloat64
	err = tx.QueryRowContext(ctx, `SELECT grams, free_feeding_grams FROM body_weights WHERE subject_id = ? AND day = ?`, subject, day).Scan(&old, &oldFF)
	if errors.Is(err, sql.ErrNoRows) {
		return Weight{}, fmt.Errorf("%s has no weight for %s to correct (record it with 'subject weigh'): %w", subject, day, ErrNotFound)
	} else if err != nil {
		return Weight{}, err
	}
	ff := oldFF
	if freeFeeding > 0 {
		ff = sql.NullFloat64{Float64: freeFeeding, Valid: true}
	}
	stamp := at.UTC().Format(time.RFC3339Nano)
	if _, err := tx.ExecContext(ctx, `UPDATE body_weights SET grams = ?, free_feeding_grams = ? WHERE subject_id = ? AND day = ?`, grams, ff, subject, day); err != nil {
		return Weight{}, err
	}
	grams2 := func(n sql.NullFloat64) string {
		if !n.Valid {
			return ""
		}
		return strconv.FormatFloat(n.Float64, 'g', -1, 64)
	}
	for _, f := range []struct{ field, old, new string }{
		{"grams", grams2(sql.NullFloat64{Float64: old, Valid: true}), grams2(sql.NullFloat64{Float64: grams, Valid: true})},
		{"free_feeding_grams", grams2(oldFF), grams2(ff)},
	} {
		if f.old == f.new {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit (at, by, action, target, field, old, new, why) VALUES (?, ?, 'correct', ?, ?, ?, ?, ?)`,
			stamp, by, "body weight of "+subject+" on "+day, f.field, f.old, f.new, why); err != nil {
			return Weight{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return Weight{}, err
	}
	return d.weightOn(ctx, subject, day)
}

// WeightWarningPct is the usual welfare limit: a food-restricted rat
// below 85 % of its free-feeding weight is looked at.
const WeightWarningPct = 85

// WeightWarnings says what a technician should look at in a new weight:
// below warnBelow % of the free-feeding weight (welfare), above it by more
// than 15 % (a food-restricted rat should not be), or more than 10 % away
// from the rat's previous weight (before: its weights until now, by day),
// which a day's restriction cannot do: most likely a typo.
func WeightWarnings(w Weight, before []Weight, warnBelow float64) []string {
	var out []string
	if !math.IsNaN(w.Pct) && w.Pct < warnBelow {
		out = append(out, fmt.Sprintf("%s is at %.1f%% of its free-feeding weight, below %.0f%%: check its food ration and welfare", w.Subject, w.Pct, warnBelow))
	}
	if !math.IsNaN(w.Pct) && w.Pct > 115 {
		out = append(out, fmt.Sprintf("%s is at %.1f%% of its free-feeding weight: check the weight and the free-feeding weight", w.Subject, w.Pct))
	}
	for i := len(before) - 1; i >= 0; i-- {
		p := before[i]
		if p.Day >= w.Day {
			continue
		}
		if change := 100 * (w.Grams - p.Grams) / p.Grams; math.Abs(change) > 10 {
			out = append(out, fmt.Sprintf("%s: %.1f g is %+.0f%% from %.1f g on %s: a typo? (subject weigh %s --day %s --grams G --correct --why ... replaces it)",
				w.Subject, w.Grams, change, p.Grams, p.Day, w.Subject, w.Day))
		}
		break
	}
	return out
}
