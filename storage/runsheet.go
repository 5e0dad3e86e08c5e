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

// A RunEntry is one line of a day's run sheet: a rat, the chamber it goes
// into and its squad (the order of the day's rounds), and what it runs: a
// protocol and a condition, or a study's next test day.
type RunEntry struct {
	ID        int64  `json:"id"`
	Day       string `json:"day"` // YYYY-MM-DD
	Chamber   string `json:"chamber"`
	Squad     int    `json:"squad"` // 0 when adding: the chamber's next
	Subject   string `json:"subject"`
	Protocol  string `json:"protocol,omitempty"`
	Condition string `json:"condition,omitempty"`
	Study     string `json:"study,omitempty"`
	// Session is the session started from the entry, if any, and
	// Status and EndReason how it stands.
	Session   string `json:"session,omitempty"`
	Status    string `json:"status,omitempty"`
	EndReason string `json:"end_reason,omitempty"`
	// Elsewhere is the latest session the rat ran that day that was not
	// started from this entry (from the grid, the API, another entry): a
	// sheet that did not see it would have the rat run twice.
	Elsewhere string `json:"elsewhere,omitempty"`
}

// CheckRunEntry refuses an entry that names what does not exist, naming
// it (with the closest known names), or that mixes a study with a
// condition.
func (d *DB) CheckRunEntry(ctx context.Context, e RunEntry) error {
	if _, err := time.Parse(time.DateOnly, e.Day); err != nil {
		return fmt.Errorf("day %q: want YYYY-MM-DD: %w", e.Day, ErrInvalid)
	}
	if e.Chamber == "" {
		return fmt.Errorf("chamber: required: %w", ErrInvalid)
	}
	if e.Squad < 0 {
		return fmt.Errorf("squad %d: want 1 or more (0: the chamber's next): %w", e.Squad, ErrInvalid)
	}
	if _, err := d.Subject(ctx, e.Subject); err != nil {
		return err
	}
	switch {
	case e.Study != "" && (e.Condition != "" || e.Protocol != ""):
		return fmt.Errorf("a study's test day takes its protocol and condition from the study; give either a study or a protocol and a condition: %w", ErrInvalid)
	case e.Study != "":
		_, err := d.Study(ctx, e.Study)
		return err
	case e.Condition == "" || e.Protocol == "":
		return fmt.Errorf("protocol and condition: required without a study: %w", ErrInvalid)
	}
	if _, err := d.FindSet(ctx, e.Protocol); errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: %w", err, ErrInvalid)
	} else if err != nil {
		return err
	}
	_, err := d.Condition(ctx, e.Condition)
	return err
}

// AddRunEntry records a run sheet entry (checked with CheckRunEntry
// first) through the writer and returns its id.
func (w *Writer) AddRunEntry(e RunEntry) (int64, error) {
	var id int64
	err := w.Exec(func(c *sqlite3.SQLiteConn) error {
		q, args := runEntryInsert(e)
		res, err := c.Exec(q, args)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	return id, runEntryErr(e, err)
}

// AddRunEntry records a run sheet entry directly, for the command line.
func (d *DB) AddRunEntry(ctx context.Context, e RunEntry) (int64, error) {
	q, args := runEntryInsert(e)
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a
	}
	res, err := d.db.ExecContext(ctx, q, vals...)
	if err != nil {
		return 0, runEntryErr(e, err)
	}
	return res.LastInsertId()
}

func runEntryInsert(e RunEntry) (string, []driver.Value) {
	null := func(s string) driver.Value {
		if s == "" {
			return nil
		}
		return s
	}
	return `INSERT INTO run_sheet (day, chamber, squad, subject_id, protocol, condition_id, study, created_at)
		VALUES (?, ?, CASE WHEN ? > 0 THEN ? ELSE COALESCE((SELECT MAX(squad) FROM run_sheet WHERE day = ? AND chamber = ?), 0) + 1 END, ?, ?, ?, ?, ?)`,
		[]driver.Value{e.Day, e.Chamber, int64(e.Squad), int64(e.Squad), e.Day, e.Chamber, e.Subject, e.Protocol, null(e.Condition), null(e.Study),
			time.Now().UTC().Format(time.RFC3339Nano)}
}

func runEntryErr(e RunEntry, err error) error {
	switch {
	case isConstraint(err, sqlite3.ErrConstraintUnique):
		return fmt.Errorf("run sheet %s: %s already has squad %d: %w", e.Day, e.Chamber, e.Squad, ErrExists)
	case err != nil:
		return fmt.Errorf("run sheet entry %s %s %s: %w", e.Day, e.Chamber, e.Subject, err)
	}
	return nil
}

// MarkRunEntry records that a session was started from an entry.
func (w *Writer) MarkRunEntry(id int64, session string) error {
	return w.Exec(func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(`UPDATE run_sheet SET session_id = ? WHERE id = ?`, []driver.Value{session, id})
		return err
	})
}

// RemoveRunEntry deletes an entry that has not been started: a plan
// changed; a started one stays, as a record of what ran.
func (d *DB) RemoveRunEntry(ctx context.Context, id int64) error {
	res, err := d.db.ExecContext(ctx, removeRunEntry, id)
	if err != nil {
		return fmt.Errorf("remove run sheet entry %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return d.removed(ctx, id, n)
}

// RemoveRunEntry is DB.RemoveRunEntry through the writer.
func (w *Writer) RemoveRunEntry(ctx context.Context, d *DB, id int64) error {
	var n int64
	err := w.Exec(func(c *sqlite3.SQLiteConn) error {
		res, err := c.Exec(removeRunEntry, []driver.Value{id})
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("remove run sheet entry %d: %w", id, err)
	}
	return d.removed(ctx, id, n)
}

const removeRunEntry = `DELETE FROM run_sheet WHERE id = ? AND session_id IS NULL`

// removed says why nothing was removed, if nothing was.
func (d *DB) removed(ctx context.Context, id, n int64) error {
	if n > 0 {
		return nil
	}
	if _, err := d.RunEntry(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("run sheet entry %d has been started: it stays as the record of what ran: %w", id, ErrInvalid)
}

const runEntryColumns = `r.id, r.day, r.chamber, r.squad, r.subject_id, r.protocol, COALESCE(r.condition_id, ''), COALESCE(r.study, ''),
	COALESCE(r.session_id, ''), COALESCE(s.status, ''), COALESCE(s.end_reason, ''),
	COALESCE((SELECT o.id FROM sessions o WHERE o.subject_id = r.subject_id AND date(o.started_at, 'localtime') = r.day
		AND o.id IS NOT r.session_id ORDER BY o.started_at DESC LIMIT 1), '')
	FROM run_sheet r LEFT JOIN sessions s ON s.id = r.session_id`

func scanRunEntry(sc interface{ Scan(...any) error }) (RunEntry, error) {
	var e RunEntry
	err := sc.Scan(&e.ID, &e.Day, &e.Chamber, &e.Squad, &e.Subject, &e.Protocol, &e.Condition, &e.Study, &e.Session, &e.Status, &e.EndReason, &e.Elsewhere)
	return e, err
}

// RunEntry returns one entry.
func (d *DB) RunEntry(ctx context.Context, id int64) (RunEntry, error) {
	e, err := scanRunEntry(d.db.QueryRowContext(ctx, `SELECT `+runEntryColumns+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("run sheet entry %d: %w", id, ErrNotFound)
	}
	return e, err
}

// RunSheet returns a day's entries by squad, then chamber.
func (d *DB) RunSheet(ctx context.Context, day string) ([]RunEntry, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+runEntryColumns+` WHERE r.day = ? ORDER BY r.squad, r.chamber`, day)
	if err != nil {
		return nil, fmt.Errorf("run sheet %s: %w", day, err)
	}
	defer rows.Close()
	var out []RunEntry
	for rows.Next() {
		e, err := scanRunEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("run sheet %s: %w", day, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
