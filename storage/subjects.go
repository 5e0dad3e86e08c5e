package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Errors callers tell apart with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// A Subject is one animal.
type Subject struct {
	ID        string    `json:"id"`
	Sex       string    `json:"sex,omitempty"` // "female", "male" or empty
	Strain    string    `json:"strain,omitempty"`
	Cohort    string    `json:"cohort,omitempty"`
	Born      string    `json:"born,omitempty"` // YYYY-MM-DD
	Notes     string    `json:"notes,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// A Condition is a dose condition: what the subject was given before the
// session, and how.
type Condition struct {
	ID              string  `json:"id"`
	Drug            string  `json:"drug"`
	DoseMgPerKg     float64 `json:"dose_mg_per_kg"`
	Vehicle         string  `json:"vehicle,omitempty"`
	Route           string  `json:"route,omitempty"`
	VolumeMlPerKg   float64 `json:"volume_ml_per_kg,omitempty"` // 0: not given
	PretreatmentMin int     `json:"pretreatment_min"`
	Notes           string  `json:"notes,omitempty"`
}

func isConstraint(err error, code sqlite3.ErrNoExtended) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == code
}

// AddSubject records a new subject. A daemon adds subjects through its
// Writer instead (Writer.AddSubject), so that they never wait on its lock.
func (d *DB) AddSubject(ctx context.Context, s Subject) error {
	if err := CheckSubjectID(s.ID); err != nil {
		return err
	}
	if _, err := parseBorn(s.Born); err != nil {
		return fmt.Errorf("subject %s: born: %v: %w", s.ID, err, ErrInvalid)
	}
	q, args := subjectInsert(s)
	_, err := d.db.ExecContext(ctx, q, args...)
	return subjectErr(s, err)
}

// AddSubject records a new subject through the writer: one write of its
// own in the writer's next commit, returned once committed.
func (w *Writer) AddSubject(s Subject) error {
	if err := CheckSubjectID(s.ID); err != nil {
		return err
	}
	if _, err := parseBorn(s.Born); err != nil {
		return fmt.Errorf("subject %s: born: %v: %w", s.ID, err, ErrInvalid)
	}
	q, args := subjectInsert(s)
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		vals[i] = a
	}
	return subjectErr(s, w.Exec(func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(q, vals)
		return err
	}))
}

func subjectInsert(s Subject) (string, []any) {
	if s.CreatedAt.IsZero() {
		s.CreatedAt = time.Now()
	}
	var born any
	if s.Born != "" {
		born = s.Born
	}
	return `INSERT INTO subjects (id, sex, strain, cohort, born, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		[]any{s.ID, s.Sex, s.Strain, s.Cohort, born, s.Notes, s.CreatedAt.UTC().Format(time.RFC3339Nano)}
}

func subjectErr(s Subject, err error) error {
	switch {
	case isConstraint(err, sqlite3.ErrConstraintPrimaryKey):
		return fmt.Errorf("subject %s: %w", s.ID, ErrExists)
	case isConstraint(err, sqlite3.ErrConstraintCheck):
		return fmt.Errorf("subject %s: invalid (id must not be empty, sex female or male, born a date YYYY-MM-DD): %w", s.ID, err)
	case err != nil:
		return fmt.Errorf("add subject %s: %w", s.ID, err)
	}
	return nil
}

// EnsureSubject records a subject by id if it is not known yet.
func (d *DB) EnsureSubject(ctx context.Context, id string) error {
	err := d.AddSubject(ctx, Subject{ID: id})
	if errors.Is(err, ErrExists) {
		return nil
	}
	return err
}

// Subject returns one subject.
func (d *DB) Subject(ctx context.Context, id string) (Subject, error) {
	rows, err := d.subjects(ctx, `WHERE id = ?`, id)
	sub, err := only(rows, err, "subject", id)
	return sub, suggest(err, id, func() ([]string, error) { return d.subjectIDs(ctx) })
}

// Subjects lists every subject by id.
func (d *DB) Subjects(ctx context.Context) ([]Subject, error) { return d.subjects(ctx, "") }

func (d *DB) subjects(ctx context.Context, where string, args ...any) ([]Subject, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, sex, strain, cohort, COALESCE(born, ''), notes, created_at FROM subjects `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("subjects: %w", err)
	}
	defer rows.Close()
	var out []Subject
	for rows.Next() {
		var s Subject
		var created string
		if err := rows.Scan(&s.ID, &s.Sex, &s.Strain, &s.Cohort, &s.Born, &s.Notes, &created); err != nil {
			return nil, fmt.Errorf("subjects: %w", err)
		}
		s.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
		out = append(out, s)
	}
	return out, rows.Err()
}

// AddCondition records a new dose condition.
func (d *DB) AddCondition(ctx context.Context, c Condition) error {
	var vol any
	if c.VolumeMlPerKg > 0 {
		vol = c.VolumeMlPerKg
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO conditions (id, drug, dose_mg_per_kg, vehicle, route, volume_ml_per_kg, pretreatment_min, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Drug, c.DoseMgPerKg, c.Vehicle, c.Route, vol, c.PretreatmentMin, c.Notes)
	switch {
	case isConstraint(err, sqlite3.ErrConstraintPrimaryKey):
		return fmt.Errorf("condition %s: %w", c.ID, ErrExists)
	case isConstraint(err, sqlite3.ErrConstraintCheck):
		return fmt.Errorf("condition %s: invalid (id must not be empty, dose and pretreatment not negative, volume positive): %w", c.ID, err)
	case err != nil:
		return fmt.Errorf("add condition %s: %w", c.ID, err)
	}
	return nil
}

// Condition returns one dose condition.
func (d *DB) Condition(ctx context.Context, id string) (Condition, error) {
	rows, err := d.conditions(ctx, `WHERE id = ?`, id)
	c, err := only(rows, err, "condition", id)
	return c, suggest(err, id, func() ([]string, error) { return d.conditionIDs(ctx) })
}

// only returns the row a lookup by key found, or ErrNotFound naming what
// was looked up.
func only[T any](rows []T, err error, what, key string) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if len(rows) == 0 {
		return zero, fmt.Errorf("%s %s: %w", what, key, ErrNotFound)
	}
	return rows[0], nil
}

// Conditions lists every dose condition, by drug and dose.
func (d *DB) Conditions(ctx context.Context) ([]Condition, error) { return d.conditions(ctx, "") }

func (d *DB) conditions(ctx context.Context, where string, args ...any) ([]Condition, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, drug, dose_mg_per_kg, vehicle, route, volume_ml_per_kg, pretreatment_min, notes FROM conditions `+where+` ORDER BY drug, dose_mg_per_kg, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("conditions: %w", err)
	}
	defer rows.Close()
	var out []Condition
	for rows.Next() {
		var c Condition
		var vol sql.NullFloat64
		if err := rows.Scan(&c.ID, &c.Drug, &c.DoseMgPerKg, &c.Vehicle, &c.Route, &vol, &c.PretreatmentMin, &c.Notes); err != nil {
			return nil, fmt.Errorf("conditions: %w", err)
		}
		c.VolumeMlPerKg = vol.Float64
		out = append(out, c)
	}
	return out, rows.Err()
}
