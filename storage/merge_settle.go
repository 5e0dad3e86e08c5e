package storage

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file settles a subject's or condition's field that differs between
// the target and the file merged into it: a sex corrected on one chamber
// PC and not on the other. The corrections of both files are merged first
// (each once, by its uid); then, per differing field, the newest
// correction of that field says which value is right if it set one of the
// two. Otherwise MergeOptions.Prefer settles it, recorded as a correction
// of its own, so that merging the files the other way round later finds
// the same answer; without Prefer the file is refused, naming every
// difference with both values.

// fieldDiff is one field of one record that differs: its value here (in
// the target) and there (in the merged file), as text; NULL is invalid.
type fieldDiff struct {
	id          string
	here, there sql.NullString
}

// settle merges the corrections and settles every differing field, or
// refuses the file naming those it cannot settle.
func (m *merger) settle(res *MergeResult) error {
	m.at = time.Now().UTC().Format(correctionTime)
	if m.has("corrections") {
		cols, err := m.common("corrections", "id")
		if err != nil {
			return err
		}
		if err := m.add(&res.Corrections, `INSERT INTO main.corrections (`+cols+`) SELECT `+cols+` FROM src.corrections
			WHERE uid NOT IN (SELECT uid FROM main.corrections) ORDER BY at, id`); err != nil {
			return err
		}
	}
	var unsettled []string
	for _, t := range settledTables {
		common, err := commonColumns(m.ctx, m.tx, t.table, nil)
		if err != nil {
			return err
		}
		for _, col := range t.cols {
			if !slices.Contains(common, col) {
				continue
			}
			diffs, err := m.diffs(t.table, col)
			if err != nil {
				return err
			}
			for _, d := range diffs {
				settled, why, err := m.settleField(t.table, col, d)
				if err != nil {
					return err
				}
				if settled {
					res.Settled = append(res.Settled, why)
				} else {
					unsettled = append(unsettled, why)
				}
			}
		}
	}
	if len(unsettled) > 0 {
		return fmt.Errorf("merge %s: nothing was merged: %s; correct the record in one file ('fivechoice subject edit' or 'condition edit' with --by and --why) and merge again, or merge with --prefer this|other --by WHO",
			m.src, strings.Join(unsettled, "; "))
	}
	return nil
}

// diffs lists the records of table whose col differs between the files.
func (m *merger) diffs(table, col string) ([]fieldDiff, error) {
	rows, err := m.tx.QueryContext(m.ctx, fmt.Sprintf(`SELECT s.id, CAST(m.%[1]s AS TEXT), CAST(s.%[1]s AS TEXT)
		FROM src.%[2]s s JOIN main.%[2]s m ON m.id = s.id WHERE m.%[1]s IS NOT s.%[1]s ORDER BY s.id`, col, table))
	if err != nil {
		return nil, fmt.Errorf("merge %s: comparing %s.%s: %w", m.src, table, col, err)
	}
	defer rows.Close()
	var out []fieldDiff
	for rows.Next() {
		var d fieldDiff
		if err := rows.Scan(&d.id, &d.here, &d.there); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// settleField settles one difference, saying how, or says why it cannot.
func (m *merger) settleField(table, col string, d fieldDiff) (bool, string, error) {
	what := fmt.Sprintf("%s %s: %s is %s here and %s in %s", strings.TrimSuffix(table, "s"), d.id, col, shown(d.here), shown(d.there), m.src)
	latest, by, at, corrected, err := m.latestCorrection(table, col, d.id)
	if err != nil {
		return false, "", err
	}
	var winner, how string // winner: this (the target's value) or other
	switch {
	case corrected && latest == d.there:
		winner, how = "other", fmt.Sprintf("took %s, corrected by %s at %s", shown(d.there), by, at)
	case corrected && latest == d.here:
		winner, how = "this", fmt.Sprintf("kept %s, corrected by %s at %s", shown(d.here), by, at)
	case m.opts.Prefer == "":
		return false, what, nil
	default:
		winner = m.opts.Prefer
		corrected = false // the choice becomes a correction below
	}
	if n, err := m.ranUnderLoser(table, col, d.id, winner); err != nil || n != "" {
		return false, what + n, err
	}
	if winner == "other" {
		if err := m.takeOther(table, col, d.id); err != nil {
			return false, "", err
		}
	}
	if corrected {
		return true, what + ": " + how, nil
	}
	old, now := d.here, d.there
	if winner == "this" {
		old, now = d.there, d.here
	}
	_, err = m.tx.ExecContext(m.ctx, `INSERT INTO main.corrections (uid, table_name, record_id, field, old, new, by, at, why) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		NewID(), table, d.id, col, old, now, m.opts.By, m.at, fmt.Sprintf("merge of %s: the files differed and no correction said which is right; --prefer %s", m.src, m.opts.Prefer))
	if err != nil {
		return false, "", fmt.Errorf("merge %s: recording the settled %s of %s: %w", m.src, col, d.id, err)
	}
	return true, what + fmt.Sprintf(": %s by --prefer %s (%s)", shown(now), m.opts.Prefer, m.opts.By), nil
}

// latestCorrection is the newest correction of a record's field in the
// target (the merged file's corrections are in it by now).
func (m *merger) latestCorrection(table, col, id string) (latest sql.NullString, by, at string, found bool, err error) {
	err = m.tx.QueryRowContext(m.ctx, `SELECT new, by, at FROM main.corrections WHERE table_name = ? AND record_id = ? AND field = ?
		ORDER BY at DESC, uid DESC LIMIT 1`, table, id, col).Scan(&latest, &by, &at)
	if err == sql.ErrNoRows {
		return latest, "", "", false, nil
	}
	if err != nil {
		return latest, "", "", false, fmt.Errorf("merge %s: corrections of %s %s: %w", m.src, table, id, err)
	}
	return latest, by, at, true, nil
}

// ranUnderLoser says why a condition's drug, dose or route cannot be
// settled when sessions of the file whose value would lose ran under it:
// they would change what they say the rats were given. Empty: it can.
func (m *merger) ranUnderLoser(table, col, id, winner string) (string, error) {
	if table != "conditions" || col == "notes" {
		return "", nil
	}
	loser, file := "src", m.src
	if winner == "other" {
		loser, file = "main", "the target"
	}
	var n int
	if err := m.tx.QueryRowContext(m.ctx, `SELECT COUNT(*) FROM `+loser+`.sessions WHERE condition_id = ?`, id).Scan(&n); err != nil {
		return "", fmt.Errorf("merge %s: sessions under condition %s: %w", m.src, id, err)
	}
	if n == 0 {
		return "", nil
	}
	return fmt.Sprintf(" (and %d sessions in %s ran under the value that would be replaced: give one of the two conditions a new name)", n, file), nil
}

// takeOther sets the target's field to the merged file's value.
func (m *merger) takeOther(table, col, id string) error {
	_, err := m.tx.ExecContext(m.ctx, fmt.Sprintf(`UPDATE main.%[1]s SET %[2]s = (SELECT %[2]s FROM src.%[1]s WHERE id = ?1) WHERE id = ?1`, table, col), id)
	if err != nil {
		return fmt.Errorf("merge %s: %s %s: %s: %w", m.src, table, id, col, err)
	}
	return nil
}

// has reports whether the merged file has table (an older version's
// file may not).
func (m *merger) has(table string) bool {
	var n int
	m.tx.QueryRowContext(m.ctx, `SELECT COUNT(*) FROM src.sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n)
	return n > 0
}

func shown(s sql.NullString) string {
	if !s.Valid {
		return "not given"
	}
	return fmt.Sprintf("%q", s.String)
}
