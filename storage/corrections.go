package storage

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// ErrInUse refuses a change that would alter the meaning of what recorded
// sessions already used: the drug, dose or route of a condition sessions
// ran under, or a blind study's code.
var ErrInUse = errors.New("in use")

// correctionTime is how a correction's time is stored: RFC 3339 in UTC
// with all nine digits of the fraction, so that the text sorts as the
// times do (RFC3339Nano drops trailing zeros, and "09:00:00Z" would sort
// after "09:00:00.5Z"): a merge takes the newest correction by it.
const correctionTime = "2006-01-02T15:04:05.000000000Z07:00"

// An Edit is a correction of one subject or condition: the fields to set
// (by column name: sex, born, dose_mg_per_kg ...), who made it and why.
type Edit struct {
	ID  string
	Set map[string]string
	By  string
	Why string
	At  time.Time // zero: now
}

// A Correction is one changed field as the corrections table keeps it
// (migration 0010): the value before and after ("" for none), who, when,
// why. UID is unique across hosts, so merges copy each correction once.
type Correction struct {
	UID    string    `json:"uid"`
	Table  string    `json:"table"` // subjects or conditions
	Record string    `json:"record"`
	Field  string    `json:"field"`
	Old    string    `json:"old"`
	New    string    `json:"new"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Why    string    `json:"why"`
}

// EditSubject corrects a subject's fields (SubjectFields) through the
// writer: the change and its corrections rows are one write, committed
// together or not at all. A field set to the value it has already is not
// a correction and is left out of the trail. d names the closest known
// subjects when id is unknown.
func (w *Writer) EditSubject(ctx context.Context, d *DB, e Edit) ([]Correction, error) {
	if _, err := d.Subject(ctx, e.ID); err != nil {
		return nil, err
	}
	return w.edit("subjects", subjectFields, e, nil)
}

// EditCondition corrects a dose condition's fields (ConditionFields).
// A condition sessions have run under, or that a study uses, keeps its
// meaning: only its notes may change, anything else is ErrInUse (make a
// new condition instead). A blind study's code condition cannot be edited
// at all: its identity is the blind's to keep.
func (w *Writer) EditCondition(ctx context.Context, d *DB, e Edit) ([]Correction, error) {
	if _, err := d.Condition(ctx, e.ID); err != nil {
		return nil, err
	}
	return w.edit("conditions", conditionFields, e, conditionEditable)
}

// edit checks an Edit against the table's fields and applies it in one
// write of the writer.
func (w *Writer) edit(table string, fields map[string]parser, e Edit, check func(*sqlite3.SQLiteConn, Edit) error) ([]Correction, error) {
	what := strings.TrimSuffix(table, "s")
	if strings.TrimSpace(e.By) == "" || strings.TrimSpace(e.Why) == "" {
		return nil, fmt.Errorf("edit %s %s: who (--by) and why (--why) are both required: %w", what, e.ID, ErrInvalid)
	}
	if len(e.Set) == 0 {
		return nil, fmt.Errorf("edit %s %s: nothing to change (fields: %s): %w", what, e.ID, strings.Join(fieldNames(fields), ", "), ErrInvalid)
	}
	cols := slices.Sorted(maps.Keys(e.Set))
	vals := make([]driver.Value, len(cols))
	for i, col := range cols {
		parse, ok := fields[col]
		if !ok {
			return nil, fmt.Errorf("edit %s %s: no field %q (fields: %s): %w", what, e.ID, col, strings.Join(fieldNames(fields), ", "), ErrInvalid)
		}
		v, err := parse(e.Set[col])
		if err != nil {
			return nil, fmt.Errorf("edit %s %s: %s: %w: %w", what, e.ID, col, err, ErrInvalid)
		}
		vals[i] = v
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	at := e.At.UTC().Format(correctionTime)
	var out []Correction
	err := w.Exec(func(c *sqlite3.SQLiteConn) error {
		out = out[:0] // a retried batch applies its writes again
		if check != nil {
			if err := check(c, e); err != nil {
				return err
			}
		}
		for i, col := range cols {
			cr, changed, err := correct(c, table, col, e, vals[i], at)
			if err != nil {
				return err
			}
			if changed {
				out = append(out, cr)
			}
		}
		if table == "conditions" {
			return conditionConsistent(c, e.ID)
		}
		return nil
	})
	if isConstraint(err, sqlite3.ErrConstraintCheck) {
		return nil, fmt.Errorf("edit %s %s: %w: %w", what, e.ID, err, ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("edit %s %s: %w", what, e.ID, err)
	}
	return out, nil
}

// correct sets one field and records the correction if the value changed.
// Old and new are the stored values as SQLite writes them as text, so a
// merge compares them with the stored fields exactly.
func correct(c *sqlite3.SQLiteConn, table, col string, e Edit, v driver.Value, at string) (Correction, bool, error) {
	read := fmt.Sprintf(`SELECT CAST(%s AS TEXT) FROM %s WHERE id = ?`, col, table)
	before, err := connRow(c, read, e.ID)
	if err != nil {
		return Correction{}, false, err
	}
	if before == nil {
		return Correction{}, false, fmt.Errorf("%s %s: %w", strings.TrimSuffix(table, "s"), e.ID, ErrNotFound)
	}
	if _, err := c.Exec(fmt.Sprintf(`UPDATE %s SET %s = ? WHERE id = ?`, table, col), []driver.Value{v, e.ID}); err != nil {
		return Correction{}, false, err
	}
	after, err := connRow(c, read, e.ID)
	if err != nil {
		return Correction{}, false, err
	}
	if sameValue(before[0], after[0]) {
		return Correction{}, false, nil
	}
	cr := Correction{UID: NewID(), Table: table, Record: e.ID, Field: col, Old: asString(before[0]), New: asString(after[0]), By: e.By, Why: e.Why}
	cr.At, _ = time.Parse(time.RFC3339Nano, at)
	_, err = c.Exec(`INSERT INTO corrections (uid, table_name, record_id, field, old, new, by, at, why) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		[]driver.Value{cr.UID, table, e.ID, col, before[0], after[0], e.By, at, e.Why})
	return cr, true, err
}

// conditionEditable refuses edits that would change what sessions were
// given: a blind study's code, or anything but the notes of a condition
// that sessions or a study use.
func conditionEditable(c *sqlite3.SQLiteConn, e Edit) error {
	row, err := connRow(c, `SELECT drug,
		(SELECT COUNT(*) FROM sessions WHERE condition_id = ?1),
		(SELECT COUNT(*) FROM study_conditions sc JOIN studies s ON s.name = sc.study WHERE sc.condition_id = ?1 AND s.blind = 1),
		(SELECT group_concat(study, ', ') FROM study_conditions WHERE condition_id = ?1)
		FROM conditions WHERE id = ?1`, e.ID)
	if err != nil {
		return err
	}
	if row == nil {
		return fmt.Errorf("condition %s: %w", e.ID, ErrNotFound)
	}
	if asString(row[0]) == "blinded" || asInt(row[2]) > 0 {
		return fmt.Errorf("condition %s is a blind study's code: it cannot be edited (the study's key says what it stands for): %w", e.ID, ErrInUse)
	}
	sessions, studies := asInt(row[1]), asString(row[3])
	if studies == "" {
		// A blind study's sessions run under codes: the real condition
		// behind a code is used by them all the same.
		if studies, err = blindUsers(c, e.ID); err != nil {
			return err
		}
	}
	if sessions == 0 && studies == "" {
		return nil
	}
	for col := range e.Set {
		if col == "notes" {
			continue
		}
		var users []string
		if sessions > 0 {
			users = append(users, fmt.Sprintf("%d sessions", sessions))
		}
		if studies != "" {
			users = append(users, "study "+studies)
		}
		return fmt.Errorf("condition %s is used by %s: its %s cannot change, or they would change meaning; make a new condition with 'fivechoice condition add' (its notes may change): %w",
			e.ID, strings.Join(users, " and "), col, ErrInUse)
	}
	return nil
}

// blindUsers names the blind studies that give condition id behind a
// code: from blind_members (migration 0012), which holds a sealed study's
// real conditions as a set, and the key itself where it is in plain text.
func blindUsers(c *sqlite3.SQLiteConn, id string) (string, error) {
	row, err := connRow(c, `SELECT group_concat(study, ', ') FROM (SELECT study FROM blind_members WHERE condition_id = ?1
		UNION SELECT study FROM blinding_keys WHERE condition_id = ?1)`, id)
	if err != nil || row == nil {
		return "", err
	}
	return asString(row[0]), nil
}

// conditionConsistent refuses a vehicle or no-injection condition left
// with a dose.
func conditionConsistent(c *sqlite3.SQLiteConn, id string) error {
	row, err := connRow(c, `SELECT drug, dose_mg_per_kg FROM conditions WHERE id = ?`, id)
	if err != nil || row == nil {
		return err
	}
	if d := asString(row[0]); (d == "vehicle" || d == "none") && asFloat(row[1]) != 0 {
		return fmt.Errorf("drug %s takes no dose, the condition would have %v mg/kg: %w", d, row[1], ErrInvalid)
	}
	return nil
}

// connRow runs a query on the writer's connection and returns its first
// row, or nil when there is none.
func connRow(c *sqlite3.SQLiteConn, q string, args ...driver.Value) ([]driver.Value, error) {
	rows, err := c.Query(q, args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	v := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(v); err == io.EOF {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return v, nil
}

// sameValue compares two stored values read as text; NULL is only NULL.
func sameValue(a, b driver.Value) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return asString(a) == asString(b)
}

func asFloat(v driver.Value) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}

// Corrections returns the trail of a table's record ("subjects", "R01"),
// oldest first; with record empty, of every record of the table.
func (d *DB) Corrections(ctx context.Context, table, record string) ([]Correction, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT uid, table_name, record_id, field, COALESCE(old, ''), COALESCE(new, ''), by, at, why
		FROM corrections WHERE table_name = ?1 AND (?2 = '' OR record_id = ?2) ORDER BY at, id`, table, record)
	if err != nil {
		return nil, fmt.Errorf("corrections: %w", err)
	}
	defer rows.Close()
	var out []Correction
	for rows.Next() {
		var cr Correction
		var at string
		if err := rows.Scan(&cr.UID, &cr.Table, &cr.Record, &cr.Field, &cr.Old, &cr.New, &cr.By, &at, &cr.Why); err != nil {
			return nil, fmt.Errorf("corrections: %w", err)
		}
		cr.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, cr)
	}
	return out, rows.Err()
}
