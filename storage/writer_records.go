package storage

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// This file is the daemon's way to the records kept alongside the
// sessions (exclusions, notes, body weights): the same writes as the DB
// methods of exclusions.go and welfare.go, which the command line uses,
// made through the one writer so that the API never meets its lock.

// Exclude is DB.Exclude through the writer.
func (w *Writer) Exclude(ctx context.Context, d *DB, session, by, why string, at time.Time) error {
	return w.exclusionChange(ctx, d, session, by, why, at, true)
}

// Reinstate is DB.Reinstate through the writer.
func (w *Writer) Reinstate(ctx context.Context, d *DB, session, by, why string, at time.Time) error {
	return w.exclusionChange(ctx, d, session, by, why, at, false)
}

func (w *Writer) exclusionChange(ctx context.Context, d *DB, session, by, why string, at time.Time, exclude bool) error {
	action, err := d.checkExclusion(ctx, session, by, why, exclude)
	if err != nil {
		return err
	}
	when := at.UTC().Format(time.RFC3339Nano)
	err = w.Exec(func(c *sqlite3.SQLiteConn) error {
		row, err := connRow(c, `SELECT s.key, (SELECT e.id FROM exclusions e WHERE e.session_key = s.key AND e.reinstated_at IS NULL)
			FROM sessions s WHERE s.id = ?`, session)
		switch {
		case err != nil:
			return err
		case row == nil:
			return fmt.Errorf("session %s: %w", session, ErrNotFound)
		case exclude && row[1] != nil:
			return fmt.Errorf("session %s is already excluded: %w", session, ErrExcluded)
		case !exclude && row[1] == nil:
			return fmt.Errorf("session %s is not excluded: %w", session, ErrExcluded)
		case exclude:
			_, err = c.Exec(`INSERT INTO exclusions (session_key, excluded_at, excluded_by, why) VALUES (?, ?, ?, ?)`, []driver.Value{row[0], when, by, why})
		default:
			_, err = c.Exec(`UPDATE exclusions SET reinstated_at = ?, reinstated_by = ?, reinstate_why = ? WHERE id = ?`, []driver.Value{when, by, why, row[1]})
		}
		if err != nil {
			return err
		}
		_, err = c.Exec(`INSERT INTO audit (at, by, action, target, why) VALUES (?, ?, ?, ?, ?)`, []driver.Value{when, by, action, "session " + session, why})
		return err
	})
	if err != nil && !errors.Is(err, ErrExcluded) {
		return fmt.Errorf("%s session %s: %w", action, session, err)
	}
	return err
}

// AddNote is DB.AddNote through the writer.
func (w *Writer) AddNote(ctx context.Context, d *DB, kind, id, by, text string, at time.Time) error {
	if err := d.checkNote(ctx, kind, id, by, text); err != nil {
		return err
	}
	err := w.Exec(func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(`INSERT INTO notes (target, at, by, text) VALUES (?, ?, ?, ?)`, []driver.Value{kind + " " + id, at.UTC().Format(time.RFC3339Nano), by, text})
		return err
	})
	if err != nil {
		return fmt.Errorf("note on %s %s: %w", kind, id, err)
	}
	return nil
}

// checkNote refuses a note on what does not exist, or without its author
// or text.
func (d *DB) checkNote(ctx context.Context, kind, id, by, text string) error {
	switch kind {
	case "subject":
		if _, err := d.Subject(ctx, id); err != nil {
			return err
		}
	case "session":
		if _, err := d.Session(ctx, id); err != nil {
			return err
		}
	default:
		return fmt.Errorf("a note is on a subject or a session, not a %s: %w", kind, ErrInvalid)
	}
	if strings.TrimSpace(by) == "" || strings.TrimSpace(text) == "" {
		return fmt.Errorf("note on %s %s: who and the text are both required: %w", kind, id, ErrInvalid)
	}
	return nil
}

// AddWeight is DB.AddWeight through the writer.
func (w *Writer) AddWeight(ctx context.Context, d *DB, subject, day string, grams, freeFeeding float64, by string, at time.Time) (Weight, error) {
	if err := d.checkWeighing(ctx, subject, day, grams, freeFeeding, by); err != nil {
		return Weight{}, err
	}
	args := weightValues(subject, day, grams, freeFeeding, by, at)
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		vals[i] = a
	}
	err := w.Exec(func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(insertWeight, vals)
		return err
	})
	if isConstraint(err, sqlite3.ErrConstraintUnique) {
		return Weight{}, fmt.Errorf("%s has a weight for %s already: %w", subject, day, ErrInvalid)
	}
	if err != nil {
		return Weight{}, fmt.Errorf("weight of %s: %w", subject, err)
	}
	return d.weightOn(ctx, subject, day)
}
