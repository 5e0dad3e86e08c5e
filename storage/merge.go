package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// A MergeResult counts what one merge added.
type MergeResult struct {
	Subjects, Conditions, Studies, Sessions, Attempts, Events int
	ParamSets                                                 int // lab parameter set versions
	// Skipped sessions were already in the target, identical.
	Skipped int
	// Corrections, Exclusions, Weights, Notes and Audit count the rows of
	// the records kept alongside the sessions that the merge added.
	Corrections, Exclusions, Weights, Notes, Audit, TrainingChanges int
	// Settled are the fields of subjects and conditions (and body weights)
	// that differed between the two files and were settled: by the newer
	// correction, or by MergeOptions.Prefer.
	Settled []string
}

// MergeOptions say how a merge settles a difference that no correction
// explains.
type MergeOptions struct {
	// Prefer is "" (refuse the file, naming each difference), "this" (keep
	// the target's value) or "other" (take the merged file's value). It
	// applies to every such difference of the run; each one settled is
	// recorded as a correction signed By.
	Prefer string
	By     string
}

// settledTables are the reference tables whose rows may differ between
// two files and be settled (merge_settle.go): a subject's sex corrected
// on one host, a condition's notes on another.
var settledTables = []struct {
	table string
	cols  []string
}{
	{"subjects", []string{"sex", "strain", "cohort", "born", "notes"}},
	{"conditions", []string{"drug", "dose_mg_per_kg", "vehicle", "route", "volume_ml_per_kg", "pretreatment_min", "notes"}},
}

// mergeTables are the reference tables a merge copies that cannot be
// corrected: rows new to the target are added, rows already there must be
// identical, column by column.
var mergeTables = []struct {
	table, key string
	cols       []string
}{
	{"studies", "name", []string{"design", "washout_ns", "seed", "protocol", "blind", "start_date"}},
}

// sessionCols are the columns a session must agree on in both databases.
var sessionCols = []string{"subject_id", "condition_id", "chamber", "backend", "protocol", "params", "seed", "software_version", "host",
	"started_at", "status", "ended_at", "ended_ns", "end_reason", "error", "study", "study_day", "injected_at"}

// Merge copies everything in the database at src into d (see MergeWith),
// refusing a subject or condition that differs without a correction.
func (d *DB) Merge(ctx context.Context, src string) (MergeResult, error) {
	return d.MergeWith(ctx, src, MergeOptions{})
}

// MergeWith copies everything in the database at src into d: subjects,
// conditions, studies, sessions with their attempts and events, training
// programmes and stage changes, and the records kept with them
// (corrections, exclusions and the audit trail, body weights, notes). Session ids are globally unique, so a session
// already in d is skipped if identical and refused if not; merging the
// same file twice adds nothing. A subject's or condition's field that
// differs is settled by the newer correction, else by o.Prefer, else the
// file is refused naming each difference. The merge of one file is one
// transaction: a refusal leaves d unchanged.
func (d *DB) MergeWith(ctx context.Context, src string, o MergeOptions) (MergeResult, error) {
	var res MergeResult
	if o.Prefer != "" && o.Prefer != "this" && o.Prefer != "other" {
		return res, fmt.Errorf("merge %s: prefer %q: want this (the target's value) or other (the merged file's): %w", src, o.Prefer, ErrInvalid)
	}
	if o.Prefer != "" && strings.TrimSpace(o.By) == "" {
		return res, fmt.Errorf("merge %s: settling differences with prefer %s is a correction: who settles them is required: %w", src, o.Prefer, ErrInvalid)
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, "file:"+src+"?mode=ro"); err != nil {
		return res, fmt.Errorf("merge %s: %w", src, err)
	}
	defer conn.ExecContext(context.Background(), `DETACH DATABASE src`)
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM src.sqlite_master WHERE name = 'sessions'`).Scan(&n); err != nil || n == 0 {
		return res, fmt.Errorf("merge %s: not a fivechoice database (%v)", src, err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	for _, t := range mergeTables {
		if err := conflicts(ctx, tx, t.table, t.key, t.cols, src); err != nil {
			return res, err
		}
	}
	if err := conflicts(ctx, tx, "sessions", "id", sessionCols, src); err != nil {
		return res, err
	}
	m := &merger{ctx: ctx, tx: tx, src: src, opts: o}
	if err := m.settle(&res); err != nil {
		return res, err
	}
	if err := m.copyProgrammes(); err != nil {
		return res, err
	}
	if err := m.copyAll(&res); err != nil {
		return res, err
	}
	if err := m.copyTraining(&res); err != nil {
		return res, err
	}
	if err := m.copyRecords(&res); err != nil {
		return res, err
	}
	if res.ParamSets, err = mergeParamSets(ctx, tx, src); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

// A merger copies one attached source database inside a transaction.
type merger struct {
	ctx  context.Context
	tx   *sql.Tx
	src  string
	opts MergeOptions
	at   string // when the merge settled a difference
}

// copyAll copies the reference tables, then the sessions, then their
// attempts and events.
func (m *merger) copyAll(res *MergeResult) error {
	for _, t := range []struct {
		counter    *int
		table, key string
	}{{&res.Subjects, "subjects", "id"}, {&res.Conditions, "conditions", "id"}, {&res.Studies, "studies", "name"}} {
		if err := m.copyNew(t.counter, t.table, t.key); err != nil {
			return err
		}
	}
	for _, t := range []string{"study_conditions", "study_subjects", "study_plan", "blinding_keys", "sealed_keys", "blind_members"} {
		if err := m.copyIgnore(t); err != nil {
			return err
		}
	}
	// Sessions get new keys here; attempts and events follow their session
	// by its id.
	m.tx.QueryRowContext(m.ctx, `SELECT COUNT(*) FROM src.sessions WHERE id IN (SELECT id FROM main.sessions)`).Scan(&res.Skipped)
	cols, err := m.common("sessions", "key", "training_change") // linked again by copyTraining
	if err != nil {
		return err
	}
	if err := m.add(&res.Sessions, `INSERT INTO main.sessions (`+cols+`) SELECT `+cols+` FROM src.sessions WHERE id NOT IN (SELECT id FROM main.sessions) ORDER BY started_at, id`); err != nil {
		return err
	}
	for _, t := range []struct {
		table   string
		counter *int
	}{{"attempts", &res.Attempts}, {"events", &res.Events}} {
		cols, err := commonColumns(m.ctx, m.tx, t.table, []string{"session"})
		if err != nil {
			return err
		}
		q := fmt.Sprintf(`INSERT INTO main.%s (session, %s) SELECT m.key, x.%s FROM src.%s x
			JOIN src.sessions s ON s.key = x.session JOIN main.sessions m ON m.id = s.id
			WHERE NOT EXISTS (SELECT 1 FROM main.%s y WHERE y.session = m.key)`,
			t.table, strings.Join(cols, ", "), strings.Join(cols, ", x."), t.table, t.table)
		if err := m.add(t.counter, q); err != nil {
			return err
		}
	}
	return nil
}

// add runs an INSERT and counts the rows it added.
func (m *merger) add(counter *int, q string) error {
	r, err := m.tx.ExecContext(m.ctx, q)
	if err != nil {
		return fmt.Errorf("merge %s: %w", m.src, err)
	}
	k, _ := r.RowsAffected()
	*counter += int(k)
	return nil
}

// common lists the columns both databases have, so that a file from an
// older version merges too.
func (m *merger) common(table string, skip ...string) (string, error) {
	cols, err := commonColumns(m.ctx, m.tx, table, skip)
	return strings.Join(cols, ", "), err
}

// copyNew copies the rows whose key the target does not have.
func (m *merger) copyNew(counter *int, table, key string) error {
	cols, err := m.common(table)
	if err != nil {
		return err
	}
	return m.add(counter, fmt.Sprintf(`INSERT INTO main.%s (%s) SELECT %s FROM src.%s WHERE %s NOT IN (SELECT %s FROM main.%s)`,
		table, cols, cols, table, key, key, table))
}

// copyIgnore copies the rows of a link table that the target lacks.
func (m *merger) copyIgnore(table string) error {
	cols, err := m.common(table)
	if err != nil || cols == "" { // "": a source from before the table
		return err
	}
	return m.add(new(int), fmt.Sprintf(`INSERT OR IGNORE INTO main.%s (%s) SELECT %s FROM src.%s`, table, cols, cols, table))
}

// commonColumns lists the stored (not generated) columns of a table that
// both databases have, less skip.
func commonColumns(ctx context.Context, tx *sql.Tx, table string, skip []string) ([]string, error) {
	cols := func(schema string) (map[string]bool, []string, error) {
		rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT name, hidden FROM pragma_table_xinfo('%s', '%s')`, table, schema))
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		set := map[string]bool{}
		var order []string
		for rows.Next() {
			var name string
			var hidden int
			if err := rows.Scan(&name, &hidden); err != nil {
				return nil, nil, err
			}
			if hidden == 0 { // 2 and 3 are generated columns
				set[name] = true
				order = append(order, name)
			}
		}
		return set, order, rows.Err()
	}
	in, _, err := cols("src")
	if err != nil {
		return nil, fmt.Errorf("columns of src.%s: %w", table, err)
	}
	_, order, err := cols("main")
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	var out []string
	for _, c := range order {
		if in[c] && !slices.Contains(skip, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// conflicts refuses rows present in both databases that differ.
func conflicts(ctx context.Context, tx *sql.Tx, table, key string, cols []string, src string) error {
	var diff []string
	for _, c := range cols {
		diff = append(diff, fmt.Sprintf("m.%s IS NOT s.%s", c, c))
	}
	q := fmt.Sprintf(`SELECT s.%s, %s FROM src.%s s JOIN main.%s m ON m.%s = s.%s WHERE %s LIMIT 1`,
		key, caseList(cols), table, table, key, key, strings.Join(diff, " OR "))
	var id, col string
	err := tx.QueryRowContext(ctx, q).Scan(&id, &col)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return fmt.Errorf("merge %s: checking %s: %w", src, table, err)
	}
	return fmt.Errorf("merge %s: %s %q differs from the one already in the target (column %s); nothing was merged", src, strings.TrimSuffix(table, "s"), id, col)
}

// caseList names the first differing column.
func caseList(cols []string) string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, c := range cols {
		fmt.Fprintf(&b, " WHEN m.%s IS NOT s.%s THEN '%s'", c, c, c)
	}
	b.WriteString(" END")
	return b.String()
}
