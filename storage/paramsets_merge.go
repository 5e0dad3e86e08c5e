package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// mergeParamSets copies the lab sets of the attached source database that
// the target lacks, in version order. A version present in both must be
// the same set (same parameters, base, author, reason); otherwise two
// hosts saved different sets under one NAME@VERSION, the sessions that
// name it would be ambiguous, and the merge is refused. A source from
// before migration 0011 has none.
func mergeParamSets(ctx context.Context, tx *sql.Tx, src string) (int, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM src.sqlite_master WHERE name = 'param_sets'`).Scan(&n); err != nil || n == 0 {
		return 0, err
	}
	var name string
	var version int
	err := tx.QueryRowContext(ctx, `SELECT s.name, s.version FROM src.param_sets s JOIN main.param_sets m USING (name, version)
		WHERE m.params IS NOT s.params OR m.based_on IS NOT s.based_on OR m.saved_by IS NOT s.saved_by OR m.why IS NOT s.why LIMIT 1`).Scan(&name, &version)
	switch {
	case err == nil:
		return 0, fmt.Errorf("merge %s: parameter set %s@%d differs from the one already in the target; nothing was merged (save one of them under another name)", src, name, version)
	case !errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("merge %s: checking parameter sets: %w", src, err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO main.param_sets (name, version, based_on, description, params, saved_by, why, saved_at)
		SELECT name, version, based_on, description, params, saved_by, why, saved_at FROM src.param_sets s
		WHERE NOT EXISTS (SELECT 1 FROM main.param_sets m WHERE m.name = s.name AND m.version = s.version) ORDER BY name, version`)
	if err != nil {
		return 0, fmt.Errorf("merge %s: parameter sets: %w", src, err)
	}
	added, _ := res.RowsAffected()
	return int(added), nil
}
