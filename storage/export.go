package storage

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ExportTables are the tables ExportCSV writes.
var ExportTables = []string{"sessions", "trials", "events", "training"}

// conditionOrder is a study session's condition_order: its condition's
// position in the study's order, 1 being the reference (vehicle), so that
// pandas and R can keep vehicle first (docs/data.md). Empty for sessions
// outside a study, and while a study is blind: a blind study's codes are
// listed in code order, and the reference's position would unblind it.
// Once unblinded, a session recorded under a code and one recorded under
// the real condition (run after unblinding) both get the real position.
const conditionOrder = `CASE WHEN st.blind = 0 THEN (SELECT sc.position FROM study_conditions sc WHERE sc.study = s.study AND sc.condition_id = s.condition_id)
		WHEN st.unblinded_at IS NOT NULL THEN COALESCE((SELECT k.position FROM blinding_keys k WHERE k.code_condition = s.condition_id),
			(SELECT k.position FROM blinding_keys k WHERE k.study = s.study AND k.condition_id = s.condition_id)) END AS condition_order`

// excludedNow flags the rows of a session excluded now (1), so that an
// analysis of trials or events can leave them out as the reports do; the
// sessions table says why.
const excludedNow = `EXISTS (SELECT 1 FROM exclusions x WHERE x.session_key = s.key AND x.reinstated_at IS NULL) AS excluded`

// exportQueries are the tidy tables ExportCSV writes: one row per session,
// per attempt or per event, with the subject and condition on every row so
// that R or pandas need no joins, with the condition's drug, dose and
// route (empty while a study is blind: the drug then reads "blinded"), and
// the condition's place in its study (conditionOrder). A blind study's
// sessions carry their code until the study is unblinded. ?1 is the study,
// or empty for every session.
var exportQueries = map[string]string{
	"sessions": `SELECT s.id AS session_id, s.subject_id AS subject, c.condition_id AS condition, ` + conditionOrder + `, cd.drug,
		CASE WHEN cd.drug = 'blinded' THEN NULL ELSE cd.dose_mg_per_kg END AS dose_mg_per_kg, CASE WHEN cd.drug = 'blinded' THEN NULL ELSE cd.route END AS route,
		COALESCE(s.study, '') AS study, s.study_day,
		s.chamber, s.backend, s.protocol, s.seed, s.started_at, s.ended_at, s.injected_at, s.status, s.end_reason,
		` + excludedNow + `,
		(SELECT x.why FROM exclusions x WHERE x.session_key = s.key AND x.reinstated_at IS NULL) AS excluded_why,
		(SELECT tc.to_stage FROM training_changes tc WHERE tc.id = s.training_change) AS training_stage, s.training_change,
		(SELECT COUNT(*) FROM attempts a WHERE a.session = s.key AND a.outcome = 'correct' AND a.collection_ns IS NOT NULL) AS rewards_collected, ` + measuresOf("m") + `
		FROM sessions s JOIN session_condition c ON c.session = s.key JOIN session_measures m ON m.session = s.key
		LEFT JOIN conditions cd ON cd.id = c.condition_id LEFT JOIN studies st ON st.name = s.study
		WHERE (?1 = '' OR s.study = ?1) ORDER BY s.started_at, s.id`,
	"trials": `SELECT s.id AS session_id, s.subject_id AS subject, c.condition_id AS condition, ` + conditionOrder + `, cd.drug,
		CASE WHEN cd.drug = 'blinded' THEN NULL ELSE cd.dose_mg_per_kg END AS dose_mg_per_kg, CASE WHEN cd.drug = 'blinded' THEN NULL ELSE cd.route END AS route,
		COALESCE(s.study, '') AS study, s.study_day, ` + excludedNow + `,
		a.n AS attempt, a.outcome, a.target, a.iti_ns / 1e6 AS iti_ms, a.sd_ns / 1e6 AS sd_ms, a.iti_start_ns / 1e6 AS iti_start_ms,
		a.onset_ns / 1e6 AS onset_ms, a.response_hole, a.response_ns / 1e6 AS response_ms, a.response_latency_ns / 1e6 AS response_latency_ms,
		a.reward_latency_ns / 1e6 AS reward_latency_ms, a.premature_latency_ns / 1e6 AS premature_latency_ms,
		a.premature AS premature_responses, a.perseverative, a.timeout_responses
		FROM attempts a JOIN sessions s ON s.key = a.session JOIN session_condition c ON c.session = s.key
		LEFT JOIN conditions cd ON cd.id = c.condition_id LEFT JOIN studies st ON st.name = s.study
		WHERE (?1 = '' OR s.study = ?1) ORDER BY s.started_at, s.id, a.n`,
	// training: every change of a rat's training stage, with the session
	// whose end decided it (training_change in sessions names the change a
	// session ran under), so that each can be recomputed from the sessions.
	"training": `SELECT c.id AS change, c.subject, c.programme, c.version, c.from_stage, c.to_stage, c.action, s.id AS session_id, c.reason, c.by, c.at
		FROM training_changes c LEFT JOIN sessions s ON s.key = c.session
		WHERE (?1 = '' OR c.subject IN (SELECT subject FROM study_subjects WHERE study = ?1)) ORDER BY c.id`,
	"events": `SELECT s.id AS session_id, s.subject_id AS subject, c.condition_id AS condition, ` + conditionOrder + `, COALESCE(s.study, '') AS study, s.study_day, ` + excludedNow + `, e.seq, e.t_ns / 1e6 AS t_ms, e.kind, e.channel,
		e.value, e.hw_seq, e.class, e.attempt, e.due_ns / 1e6 AS due_ms
		FROM events e JOIN sessions s ON s.key = e.session JOIN session_condition c ON c.session = s.key LEFT JOIN studies st ON st.name = s.study
		WHERE (?1 = '' OR s.study = ?1) ORDER BY s.started_at, s.id, e.seq`,
}

// ExportCSV writes one of ExportTables as CSV with a header, of one study's
// sessions or, with study empty, of all. NULL is an empty field; numbers
// are written in full precision. An unknown study is ErrNotFound.
func (d *DB) ExportCSV(ctx context.Context, w io.Writer, table, study string) error {
	q, ok := exportQueries[table]
	if !ok {
		return fmt.Errorf("export %q: want one of %s", table, strings.Join(ExportTables, ", "))
	}
	if study != "" {
		if _, err := d.Study(ctx, study); err != nil {
			return err
		}
	}
	rows, err := d.db.QueryContext(ctx, q, study)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	rec := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			rec[i] = field(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// field writes one value of a row.
func field(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return string(x)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
