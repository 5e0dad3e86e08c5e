package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Where a blind study's key is (Study.KeyState).
const (
	// KeySealed: sealed in sealed_keys; only its passphrase opens it.
	KeySealed = "sealed"
	// KeyUnsealed: in plain text in blinding_keys while the study is still
	// blind, as every blind study created before migration 0009: anyone
	// who opens the database can read it ('fivechoice study seal').
	KeyUnsealed = "unsealed"
	// KeyUnblinded: the study is unblinded and its key is in plain text.
	KeyUnblinded = "unblinded"
)

// keyStateSQL works out Study.KeyState for a row of studies.
const keyStateSQL = `CASE WHEN blind = 0 THEN ''
	WHEN unblinded_at IS NOT NULL THEN 'unblinded'
	WHEN EXISTS (SELECT 1 FROM sealed_keys k WHERE k.study = studies.name) THEN 'sealed'
	WHEN EXISTS (SELECT 1 FROM blinding_keys k WHERE k.study = studies.name) THEN 'unsealed'
	ELSE 'missing' END`

// resolved is the SQL of the condition column col as anyone may see it: a
// blind study's code until the study is unblinded, then the condition it
// stood for.
func resolved(col string) string {
	return `COALESCE((SELECT k.condition_id FROM blinding_keys k JOIN studies st ON st.name = k.study
		WHERE k.code_condition = ` + col + ` AND st.unblinded_at IS NOT NULL), ` + col + `)`
}

// CreateSealedStudy records a blind study whose key is sealed: its code
// conditions (codes, each carrying only what all the study's conditions
// share) and the sealed key, which this package stores but cannot read.
// No table holds which code is which; blind_members holds the real
// conditions as a set (sorted), so that none of them can be edited under
// the study. One transaction.
func (d *DB) CreateSealedStudy(ctx context.Context, s Study, plan []PlanDay, codes []Condition, members []string, sealed []byte) error {
	if !s.Blind || len(sealed) == 0 {
		return fmt.Errorf("study %s: a sealed study is blind and has its sealed key", s.Name)
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = time.Now() // the key's sealed_at below, and the study's created_at
	}
	return d.createStudy(ctx, s, plan, func(tx *sql.Tx) error {
		for _, c := range codes {
			if err := addCode(ctx, tx, s.Name, c); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sealed_keys (study, sealed, sealed_at) VALUES (?, ?, ?)`,
			s.Name, string(sealed), s.CreatedAt.UTC().Format(time.RFC3339Nano)); err != nil {
			return fmt.Errorf("study %s: sealed key: %w", s.Name, err)
		}
		return addMembers(ctx, tx, s.Name, members)
	})
}

// ErrNoSealedKey: the study has no sealed key (not blind, unblinded, or
// its key is still in plain text).
var ErrNoSealedKey = errors.New("no sealed key")

// SealedKey returns a blind study's sealed key as stored.
func (d *DB) SealedKey(ctx context.Context, study string) ([]byte, error) {
	var sealed string
	err := d.db.QueryRowContext(ctx, `SELECT sealed FROM sealed_keys WHERE study = ?`, study).Scan(&sealed)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("study %s: %w", study, ErrNoSealedKey)
	}
	if err != nil {
		return nil, fmt.Errorf("sealed key of %s: %w", study, err)
	}
	return []byte(sealed), nil
}

// SealKey replaces a blind study's key in plain text (a study created
// before migration 0009) by its sealed form, in one transaction, with
// SQLite's secure_delete on so that the plain rows are overwritten in the
// file, not only unlinked, and the write-ahead log is then checkpointed
// and truncated so that no older copy of those pages remains in it (while
// a reader holds it open, that last step waits for the next checkpoint).
// scrubSeed sets the stored design seed to 0: such a study's codes were
// drawn from it, so the sealed key keeps it instead.
func (d *DB) SealKey(ctx context.Context, study string, sealed []byte, scrubSeed bool, by string, at time.Time) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("seal key of %s: %w", study, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("seal key of %s: %w", study, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = OFF`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seal key of %s: %w", study, err)
	}
	defer tx.Rollback()
	stamp := at.UTC().Format(time.RFC3339Nano)
	if _, err := tx.ExecContext(ctx, `INSERT INTO sealed_keys (study, sealed, sealed_at) VALUES (?, ?, ?)`, study, string(sealed), stamp); err != nil {
		return fmt.Errorf("seal key of %s: %w", study, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM blinding_keys WHERE study = ?`, study); err != nil {
		return fmt.Errorf("seal key of %s: %w", study, err)
	}
	if scrubSeed {
		if _, err := tx.ExecContext(ctx, `UPDATE studies SET seed = 0 WHERE name = ?`, study); err != nil {
			return fmt.Errorf("seal key of %s: %w", study, err)
		}
	}
	if err := renumberCodes(ctx, tx, study); err != nil {
		return fmt.Errorf("seal key of %s: %w", study, err)
	}
	if err := blindAudit(ctx, tx, stamp, by, "seal key", "study "+study, "the key was in plain text in the database"); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seal key of %s: %w", study, err)
	}
	conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return nil
}

// renumberCodes gives a study's code conditions their row numbers in the
// codes' alphabetical order. Before migration 0009 they were inserted in
// the study's own order, vehicle first, and 'SELECT rowid, id FROM
// conditions' would tell which code is the reference.
func renumberCodes(ctx context.Context, tx *sql.Tx, study string) error {
	rows, err := tx.QueryContext(ctx, `SELECT rowid, id FROM conditions WHERE id IN (SELECT condition_id FROM study_conditions WHERE study = ?)`, study)
	if err != nil {
		return err
	}
	var rowids []int64
	var ids []string
	for rows.Next() {
		var r int64
		var id string
		if err := rows.Scan(&r, &id); err != nil {
			rows.Close()
			return err
		}
		rowids, ids = append(rowids, r), append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	slices.Sort(rowids)
	slices.Sort(ids)
	if _, err := tx.ExecContext(ctx, `UPDATE conditions SET rowid = -rowid WHERE id IN (SELECT condition_id FROM study_conditions WHERE study = ?)`, study); err != nil {
		return err
	}
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE conditions SET rowid = ? WHERE id = ?`, rowids[i], id); err != nil {
			return err
		}
	}
	return nil
}

// RevealKey unblinds a study whose key was sealed: the key opened with its
// passphrase is stored in plain text from now on (there is nothing left to
// hide), the sealed form is removed, and who and when are recorded with
// the study and in the audit trail. seed, when the key kept the study's
// design seed (SealKey), is put back. One transaction.
func (d *DB) RevealKey(ctx context.Context, study string, key []KeyEntry, seed *uint64, by string, at time.Time) error {
	if by == "" {
		return errors.New("unblind: say who unblinds")
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("unblind %s: %w", study, err)
	}
	defer tx.Rollback()
	stamp := at.UTC().Format(time.RFC3339Nano)
	for _, k := range key {
		if _, err := tx.ExecContext(ctx, `INSERT INTO blinding_keys (study, code_condition, condition_id, position) VALUES (?, ?, ?, ?)`,
			study, k.Code, k.Condition, k.Position); err != nil {
			return fmt.Errorf("unblind %s: key for %s: %w", study, k.Code, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sealed_keys WHERE study = ?`, study); err != nil {
		return fmt.Errorf("unblind %s: %w", study, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE studies SET unblinded_at = ?, unblinded_by = ? WHERE name = ? AND unblinded_at IS NULL`, stamp, by, study); err != nil {
		return fmt.Errorf("unblind %s: %w", study, err)
	}
	if seed != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE studies SET seed = ? WHERE name = ?`, int64(*seed), study); err != nil {
			return fmt.Errorf("unblind %s: %w", study, err)
		}
	}
	if err := blindAudit(ctx, tx, stamp, by, "unblind", "study "+study, "the sealed key was opened with its passphrase"); err != nil {
		return err
	}
	return tx.Commit()
}

// RecordDosingSheet notes in the audit trail that by printed the dosing
// sheet of a study's test day: the preparer saw the key for that day while
// the study stays blind for everyone else.
func (d *DB) RecordDosingSheet(ctx context.Context, study string, day int, by string, at time.Time) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("dosing sheet of %s: %w", study, err)
	}
	defer tx.Rollback()
	if err := blindAudit(ctx, tx, at.UTC().Format(time.RFC3339Nano), by, "dosing sheet", fmt.Sprintf("study %s day %d", study, day),
		"the preparer's coded list (drug, dose, volume per rat); the study stays blind"); err != nil {
		return err
	}
	return tx.Commit()
}

// blindAudit adds a line to the append-only audit trail (migration 0005).
func blindAudit(ctx context.Context, tx *sql.Tx, at, by, action, target, why string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit (at, by, action, target, why) VALUES (?, ?, ?, ?, ?)`, at, by, action, target, why); err != nil {
		return fmt.Errorf("%s %s: audit: %w", action, target, err)
	}
	return nil
}

// Unblind reveals the key of a blind study whose key was never sealed (in
// plain text, from before migration 0009) and records when and by whom
// (the first time), with the study and in the audit trail. A sealed key
// is unblinded by RevealKey.
func (d *DB) Unblind(ctx context.Context, study, by string, at time.Time) ([]KeyEntry, error) {
	s, err := d.Study(ctx, study)
	if err != nil {
		return nil, err
	}
	if !s.Blind {
		return nil, fmt.Errorf("study %s is not blind", study)
	}
	if by == "" {
		return nil, errors.New("unblind: say who unblinds")
	}
	key, err := d.BlindingKey(ctx, study)
	if err != nil {
		return nil, err
	}
	if s.KeyState == KeySealed {
		return nil, fmt.Errorf("study %s: its key is sealed: open it with its passphrase (study/blinding)", study)
	}
	if s.UnblindedAt == nil {
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("unblind %s: %w", study, err)
		}
		defer tx.Rollback()
		stamp := at.UTC().Format(time.RFC3339Nano)
		if _, err := tx.ExecContext(ctx, `UPDATE studies SET unblinded_at = ?, unblinded_by = ? WHERE name = ?`, stamp, by, study); err != nil {
			return nil, fmt.Errorf("unblind %s: %w", study, err)
		}
		if err := blindAudit(ctx, tx, stamp, by, "unblind", "study "+study, "the key was in plain text (never sealed)"); err != nil {
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("unblind %s: %w", study, err)
		}
	}
	return key, nil
}

// BlindingKey reads a study's key, in the study's own condition order.
// Only unblinding, and analysis after unblinding, call it.
func (d *DB) BlindingKey(ctx context.Context, study string) ([]KeyEntry, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT code_condition, condition_id, position FROM blinding_keys WHERE study = ? ORDER BY position`, study)
	if err != nil {
		return nil, fmt.Errorf("key of %s: %w", study, err)
	}
	defer rows.Close()
	var key []KeyEntry
	for rows.Next() {
		var k KeyEntry
		if err := rows.Scan(&k.Code, &k.Condition, &k.Position); err != nil {
			return nil, err
		}
		key = append(key, k)
	}
	return key, rows.Err()
}

// addMembers records a blind study's real conditions as a set, in sorted
// order (WITHOUT ROWID keeps them in key order anyway).
func addMembers(ctx context.Context, tx *sql.Tx, study string, members []string) error {
	for _, c := range slices.Sorted(slices.Values(members)) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO blind_members (study, condition_id) VALUES (?, ?)`, study, c); err != nil {
			if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
				return fmt.Errorf("study %s: condition %s: %w", study, c, ErrNotFound)
			}
			return fmt.Errorf("study %s: condition %s: %w", study, c, err)
		}
	}
	return nil
}
