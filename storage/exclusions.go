package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrExcluded is an exclusion that cannot be made or undone as asked: the
// session is already excluded, or it is not.
var ErrExcluded = errors.New("exclusion")

// An Exclusion is a session left out of reports and study progress, with
// who left it out, when and why. The session itself stays stored.
type Exclusion struct {
	Session string    `json:"session"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Why     string    `json:"why"`
}

// Exclude leaves a session out of reports and of its study's progress (its
// test day is open again), recording who, when and why here and in the
// audit trail. A running session must be stopped first; a session already
// excluded is refused.
func (d *DB) Exclude(ctx context.Context, session, by, why string, at time.Time) error {
	return d.exclusionChange(ctx, session, by, why, at, true)
}

// Reinstate undoes a session's exclusion, recorded like it.
func (d *DB) Reinstate(ctx context.Context, session, by, why string, at time.Time) error {
	return d.exclusionChange(ctx, session, by, why, at, false)
}

// checkExclusion refuses an exclusion or reinstatement without who and
// why, of a session that does not exist or is still running. It returns
// the action's name for messages.
func (d *DB) checkExclusion(ctx context.Context, session, by, why string, exclude bool) (string, error) {
	action := map[bool]string{true: "exclude", false: "reinstate"}[exclude]
	if strings.TrimSpace(by) == "" || strings.TrimSpace(why) == "" {
		return action, fmt.Errorf("%s session %s: who and why are both required: %w", action, session, ErrInvalid)
	}
	s, err := d.Session(ctx, session)
	if err != nil {
		return action, err
	}
	if s.Status == StatusRunning {
		return action, fmt.Errorf("%s session %s: it is running; stop it first: %w", action, session, ErrExcluded)
	}
	return action, nil
}

func (d *DB) exclusionChange(ctx context.Context, session, by, why string, at time.Time, exclude bool) error {
	action, err := d.checkExclusion(ctx, session, by, why, exclude)
	if err != nil {
		return err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s session %s: %w", action, session, err)
	}
	defer tx.Rollback()
	var key int64
	var open sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT s.key, (SELECT e.id FROM exclusions e WHERE e.session_key = s.key AND e.reinstated_at IS NULL)
		FROM sessions s WHERE s.id = ?`, session).Scan(&key, &open); err != nil {
		return fmt.Errorf("%s session %s: %w", action, session, err)
	}
	when := at.UTC().Format(time.RFC3339Nano)
	switch {
	case exclude && open.Valid:
		return fmt.Errorf("session %s is already excluded: %w", session, ErrExcluded)
	case !exclude && !open.Valid:
		return fmt.Errorf("session %s is not excluded: %w", session, ErrExcluded)
	case exclude:
		_, err = tx.ExecContext(ctx, `INSERT INTO exclusions (session_key, excluded_at, excluded_by, why) VALUES (?, ?, ?, ?)`, key, when, by, why)
	default:
		_, err = tx.ExecContext(ctx, `UPDATE exclusions SET reinstated_at = ?, reinstated_by = ?, reinstate_why = ? WHERE id = ?`, when, by, why, open.Int64)
	}
	if err != nil {
		return fmt.Errorf("%s session %s: %w", action, session, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit (at, by, action, target, why) VALUES (?, ?, ?, ?, ?)`,
		when, by, action, "session "+session, why); err != nil {
		return fmt.Errorf("%s session %s: audit: %w", action, session, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s session %s: %w", action, session, err)
	}
	return nil
}

// Exclusions lists the sessions excluded now, of one study or (study
// empty) of all, oldest exclusion first.
func (d *DB) Exclusions(ctx context.Context, study string) ([]Exclusion, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT s.id, e.excluded_at, e.excluded_by, e.why FROM exclusions e JOIN sessions s ON s.key = e.session_key
		WHERE e.reinstated_at IS NULL AND (?1 = '' OR s.study = ?1) ORDER BY e.id`, study)
	if err != nil {
		return nil, fmt.Errorf("exclusions: %w", err)
	}
	defer rows.Close()
	var out []Exclusion
	for rows.Next() {
		var e Exclusion
		var at string
		if err := rows.Scan(&e.Session, &at, &e.By, &e.Why); err != nil {
			return nil, fmt.Errorf("exclusions: %w", err)
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// An AuditEntry is one line of the append-only audit trail.
type AuditEntry struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	// Field, Old and New are what a correction changed (empty otherwise).
	Field string `json:"field,omitempty"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
	Why   string `json:"why"`
}

// Audit returns the audit trail, oldest first.
func (d *DB) Audit(ctx context.Context) ([]AuditEntry, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT at, by, action, target, COALESCE(field, ''), COALESCE(old, ''), COALESCE(new, ''), why FROM audit ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var a AuditEntry
		var at string
		if err := rows.Scan(&at, &a.By, &a.Action, &a.Target, &a.Field, &a.Old, &a.New, &a.Why); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		a.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, a)
	}
	return out, rows.Err()
}
