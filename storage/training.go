package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// ErrTraining is a training change that cannot be made as asked: a rat
// not enrolled, or already enrolled, or running.
var ErrTraining = errors.New("training")

// A StoredProgramme is one version of a training programme as stored: its
// body is the programme as JSON (package training reads it).
type StoredProgramme struct {
	Name      string    `json:"name"`
	Version   int       `json:"version"`
	Body      []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// A StageChange is one change of a rat's training stage: enrolment, an
// advance or fall-back a session's end decided, or a move by hand.
type StageChange struct {
	ID        int64     `json:"id"`
	Subject   string    `json:"subject"`
	Programme string    `json:"programme"`
	Version   int       `json:"version"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to"`
	Action    string    `json:"action"` // enrol, advance, fall_back, move
	Session   string    `json:"session,omitempty"`
	Reason    string    `json:"reason"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	// Under is, for a change a session's end decided, the change that
	// session ran under: the decision is recorded only if the rat is still
	// there (nobody moved it by hand meanwhile).
	Under int64 `json:"-"`
}

// SaveProgramme stores a programme's body as its next version and returns
// the version; a body the same as the latest version's is that version.
func (d *DB) SaveProgramme(ctx context.Context, name string, body []byte, by string, at time.Time) (int, error) {
	if strings.TrimSpace(by) == "" {
		return 0, fmt.Errorf("save programme %s: say who saves it: %w", name, ErrInvalid)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("save programme %s: %w", name, err)
	}
	defer tx.Rollback()
	var version int
	var latest sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0), (SELECT body FROM programmes WHERE name = ?1 ORDER BY version DESC LIMIT 1)
		FROM programmes WHERE name = ?1`, name).Scan(&version, &latest); err != nil {
		return 0, fmt.Errorf("save programme %s: %w", name, err)
	}
	if latest.Valid && latest.String == string(body) {
		return version, nil
	}
	version++
	if _, err := tx.ExecContext(ctx, `INSERT INTO programmes (name, version, body, created_at, created_by) VALUES (?, ?, ?, ?, ?)`,
		name, version, string(body), at.UTC().Format(time.RFC3339Nano), by); err != nil {
		return 0, fmt.Errorf("save programme %s: %w", name, err)
	}
	return version, tx.Commit()
}

// Programme returns a stored programme; version 0 is the latest.
func (d *DB) Programme(ctx context.Context, name string, version int) (StoredProgramme, error) {
	p := StoredProgramme{Name: name}
	var body, at string
	err := d.db.QueryRowContext(ctx, `SELECT version, body, created_at, created_by FROM programmes
		WHERE name = ? AND (version = ? OR ? = 0) ORDER BY version DESC LIMIT 1`, name, version, version).Scan(&p.Version, &body, &at, &p.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		if version != 0 {
			return p, fmt.Errorf("programme %s version %d: %w", name, version, ErrNotFound)
		}
		return p, fmt.Errorf("programme %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("programme %s: %w", name, err)
	}
	p.Body, p.CreatedAt = []byte(body), parseTime(at)
	return p, nil
}

// ChangeStage records a change of a rat's stage made outside a session:
// an enrolment (action "enrol", the rat must not be enrolled yet) or a
// move by hand ("move": who and why required, never silent). A rat with a
// session running is refused: its session would end under a stage it is
// no longer at.
func (d *DB) ChangeStage(ctx context.Context, c StageChange) (StageChange, error) {
	if strings.TrimSpace(c.By) == "" || strings.TrimSpace(c.Reason) == "" {
		return c, fmt.Errorf("%s %s: who and why are both required: %w", c.Action, c.Subject, ErrInvalid)
	}
	if c.Action != "enrol" && c.Action != "move" {
		return c, fmt.Errorf("stage change %q: only enrol or move by hand: %w", c.Action, ErrInvalid)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return c, fmt.Errorf("%s %s: %w", c.Action, c.Subject, err)
	}
	defer tx.Rollback()
	var running int
	var from sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM sessions WHERE subject_id = ?1 AND status = 'running'),
		(SELECT to_stage FROM training_changes WHERE subject = ?1 ORDER BY id DESC LIMIT 1)`, c.Subject).Scan(&running, &from); err != nil {
		return c, fmt.Errorf("%s %s: %w", c.Action, c.Subject, err)
	}
	switch {
	case running > 0:
		return c, fmt.Errorf("%s %s: a session of this rat is running; stop it first: %w", c.Action, c.Subject, ErrTraining)
	case c.Action == "enrol" && from.Valid:
		return c, fmt.Errorf("rat %s is already in training (at %s); move it instead: %w", c.Subject, from.String, ErrTraining)
	case c.Action == "move" && !from.Valid:
		return c, fmt.Errorf("rat %s is not in training; enrol it first: %w", c.Subject, ErrTraining)
	}
	c.From = from.String
	res, err := tx.ExecContext(ctx, `INSERT INTO training_changes (subject, programme, version, from_stage, to_stage, action, reason, by, at)
		VALUES (?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?)`,
		c.Subject, c.Programme, c.Version, c.From, c.To, c.Action, c.Reason, c.By, c.At.UTC().Format(time.RFC3339Nano))
	if err != nil {
		if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
			return c, fmt.Errorf("%s %s: unknown subject or programme version: %w", c.Action, c.Subject, ErrNotFound)
		}
		return c, fmt.Errorf("%s %s: %w", c.Action, c.Subject, err)
	}
	if c.ID, err = res.LastInsertId(); err != nil {
		return c, err
	}
	return c, tx.Commit()
}

const changeColumns = `c.id, c.subject, c.programme, c.version, COALESCE(c.from_stage, ''), c.to_stage, c.action,
	COALESCE(s.id, ''), c.reason, c.by, c.at`

func scanChanges(rows *sql.Rows) ([]StageChange, error) {
	defer rows.Close()
	var out []StageChange
	for rows.Next() {
		var c StageChange
		var at string
		if err := rows.Scan(&c.ID, &c.Subject, &c.Programme, &c.Version, &c.From, &c.To, &c.Action, &c.Session, &c.Reason, &c.By, &at); err != nil {
			return nil, err
		}
		c.At = parseTime(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// StageHistory is every change of a rat's stage, oldest first.
func (d *DB) StageHistory(ctx context.Context, subject string) ([]StageChange, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+changeColumns+` FROM training_changes c LEFT JOIN sessions s ON s.key = c.session
		WHERE c.subject = ? ORDER BY c.id`, subject)
	if err != nil {
		return nil, fmt.Errorf("training history of %s: %w", subject, err)
	}
	return scanChanges(rows)
}

// Stages is every rat's latest change: where each enrolled rat is.
func (d *DB) Stages(ctx context.Context) ([]StageChange, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+changeColumns+` FROM training_changes c LEFT JOIN sessions s ON s.key = c.session
		WHERE c.id = (SELECT MAX(id) FROM training_changes WHERE subject = c.subject) ORDER BY c.subject`)
	if err != nil {
		return nil, fmt.Errorf("training stages: %w", err)
	}
	return scanChanges(rows)
}

// Stage is a rat's latest change: its programme version and stage.
func (d *DB) Stage(ctx context.Context, subject string) (StageChange, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+changeColumns+` FROM training_changes c LEFT JOIN sessions s ON s.key = c.session
		WHERE c.subject = ? ORDER BY c.id DESC LIMIT 1`, subject)
	if err != nil {
		return StageChange{}, fmt.Errorf("training stage of %s: %w", subject, err)
	}
	cs, err := scanChanges(rows)
	if err != nil {
		return StageChange{}, fmt.Errorf("training stage of %s: %w", subject, err)
	}
	if len(cs) == 0 {
		return StageChange{}, fmt.Errorf("rat %s is not in training (fivechoice train enrol %s): %w", subject, subject, ErrNotFound)
	}
	return cs[0], nil
}

// SessionsUnder lists the sessions a rat ran under a stage change (its
// sessions at that stage), oldest first, ended or not, excluded ones left
// out (a jammed dispenser says nothing about the rat).
func (d *DB) SessionsUnder(ctx context.Context, change int64) ([]SessionRecord, error) {
	return d.Sessions(ctx, Filter{TrainingChange: change, Included: true})
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// Programmes lists every stored programme version, by name and version.
func (d *DB) Programmes(ctx context.Context) ([]StoredProgramme, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name, version, body, created_at, created_by FROM programmes ORDER BY name, version`)
	if err != nil {
		return nil, fmt.Errorf("programmes: %w", err)
	}
	defer rows.Close()
	var out []StoredProgramme
	for rows.Next() {
		var p StoredProgramme
		var body, at string
		if err := rows.Scan(&p.Name, &p.Version, &body, &at, &p.CreatedBy); err != nil {
			return nil, fmt.Errorf("programmes: %w", err)
		}
		p.Body, p.CreatedAt = []byte(body), parseTime(at)
		out = append(out, p)
	}
	return out, rows.Err()
}
