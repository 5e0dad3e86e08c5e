package storage

import (
	"fmt"
)

// This file merges the records kept alongside the sessions: exclusions
// (migration 0005) with the audit trail, body weights and notes (0006).
// Corrections (0010) are merged with the subjects they correct
// (merge_settle.go).

// NotMerged are the tables a merge leaves alone, and why: every other
// table of the schema is merged (TestMergeCoversEveryTable checks the
// list against the migrations).
var NotMerged = map[string]string{
	"schema_migrations": "each file's own schema history",
	"run_sheet":         "a host's plan for its own chambers, by chamber name; the sessions it started are merged, and they carry everything it said",
}

// copyRecords copies exclusions, the audit trail, body weights and notes
// that the target lacks. Sessions must be merged first: an exclusion
// follows its session by id.
func (m *merger) copyRecords(res *MergeResult) error {
	if m.has("exclusions") {
		if err := m.copyExclusions(res); err != nil {
			return err
		}
	}
	if m.has("audit") {
		if err := m.add(&res.Audit, `INSERT INTO main.audit (at, by, action, target, field, old, new, why)
			SELECT a.at, a.by, a.action, a.target, a.field, a.old, a.new, a.why FROM src.audit a
			WHERE NOT EXISTS (SELECT 1 FROM main.audit b WHERE b.at = a.at AND b.by = a.by AND b.action = a.action AND b.target = a.target
				AND b.field IS a.field AND b.old IS a.old AND b.new IS a.new AND b.why = a.why) ORDER BY a.id`); err != nil {
			return err
		}
	}
	if m.has("notes") {
		if err := m.add(&res.Notes, `INSERT INTO main.notes (target, at, by, text) SELECT n.target, n.at, n.by, n.text FROM src.notes n
			WHERE NOT EXISTS (SELECT 1 FROM main.notes o WHERE o.target = n.target AND o.at = n.at AND o.by = n.by AND o.text = n.text) ORDER BY n.id`); err != nil {
			return err
		}
	}
	if m.has("body_weights") {
		return m.copyWeights(res)
	}
	return nil
}

// copyExclusions copies each exclusion the target lacks (one is the same
// session, time and person) and the reinstatements the merged file knows
// of. An exclusion still open in the merged file is left out when the
// target has an open one of the same session: the session is excluded
// either way, and the audit trail keeps both.
func (m *merger) copyExclusions(res *MergeResult) error {
	const mapped = `src.exclusions e JOIN src.sessions ss ON ss.key = e.session_key JOIN main.sessions ms ON ms.id = ss.id`
	if _, err := m.tx.ExecContext(m.ctx, `UPDATE main.exclusions SET reinstated_at = x.reinstated_at, reinstated_by = x.reinstated_by, reinstate_why = x.reinstate_why
		FROM (SELECT ms.key AS session_key, e.excluded_at, e.excluded_by, e.reinstated_at, e.reinstated_by, e.reinstate_why FROM `+mapped+`
			WHERE e.reinstated_at IS NOT NULL) AS x
		WHERE exclusions.session_key = x.session_key AND exclusions.excluded_at = x.excluded_at AND exclusions.excluded_by = x.excluded_by
			AND exclusions.reinstated_at IS NULL`); err != nil {
		return fmt.Errorf("merge %s: reinstatements: %w", m.src, err)
	}
	return m.add(&res.Exclusions, `INSERT INTO main.exclusions (session_key, excluded_at, excluded_by, why, reinstated_at, reinstated_by, reinstate_why)
		SELECT ms.key, e.excluded_at, e.excluded_by, e.why, e.reinstated_at, e.reinstated_by, e.reinstate_why FROM `+mapped+`
		WHERE NOT EXISTS (SELECT 1 FROM main.exclusions y WHERE y.session_key = ms.key AND y.excluded_at = e.excluded_at AND y.excluded_by = e.excluded_by)
			AND (e.reinstated_at IS NOT NULL OR NOT EXISTS (SELECT 1 FROM main.exclusions y WHERE y.session_key = ms.key AND y.reinstated_at IS NULL))
		ORDER BY e.id`)
}

// copyWeights copies the body weights the target lacks. A rat weighed on
// one day in both files must weigh the same in both; a difference is
// settled by MergeOptions.Prefer (and written to the audit trail) or
// refuses the file.
func (m *merger) copyWeights(res *MergeResult) error {
	rows, err := m.tx.QueryContext(m.ctx, `SELECT s.subject_id, s.day, CAST(m.grams AS TEXT) || COALESCE(' g, free-feeding ' || m.free_feeding_grams || ' g', ' g'),
		CAST(s.grams AS TEXT) || COALESCE(' g, free-feeding ' || s.free_feeding_grams || ' g', ' g')
		FROM src.body_weights s JOIN main.body_weights m ON m.subject_id = s.subject_id AND m.day = s.day
		WHERE m.grams IS NOT s.grams OR m.free_feeding_grams IS NOT s.free_feeding_grams ORDER BY s.subject_id, s.day`)
	if err != nil {
		return fmt.Errorf("merge %s: comparing body weights: %w", m.src, err)
	}
	type diff struct{ subject, day, here, there string }
	var diffs []diff
	for rows.Next() {
		var d diff
		if err := rows.Scan(&d.subject, &d.day, &d.here, &d.there); err != nil {
			rows.Close()
			return err
		}
		diffs = append(diffs, d)
	}
	rows.Close()
	for _, d := range diffs {
		what := fmt.Sprintf("body weight of %s on %s is %s here and %s in %s", d.subject, d.day, d.here, d.there, m.src)
		if m.opts.Prefer == "" {
			return fmt.Errorf("merge %s: nothing was merged: %s; merge with --prefer this|other --by WHO to settle it", m.src, what)
		}
		if err := m.settleWeight(d.subject, d.day, d.here, d.there); err != nil {
			return err
		}
		res.Settled = append(res.Settled, what+": --prefer "+m.opts.Prefer)
	}
	return m.add(&res.Weights, `INSERT INTO main.body_weights (subject_id, day, grams, free_feeding_grams, by, at)
		SELECT s.subject_id, s.day, s.grams, s.free_feeding_grams, s.by, s.at FROM src.body_weights s
		WHERE NOT EXISTS (SELECT 1 FROM main.body_weights m WHERE m.subject_id = s.subject_id AND m.day = s.day) ORDER BY s.id`)
}

// settleWeight applies Prefer to a differing body weight and audits it.
func (m *merger) settleWeight(subject, day, here, there string) error {
	old, now := here, there
	if m.opts.Prefer == "this" {
		old, now = there, here
	} else if _, err := m.tx.ExecContext(m.ctx, `UPDATE main.body_weights SET (grams, free_feeding_grams, by, at) =
		(SELECT grams, free_feeding_grams, by, at FROM src.body_weights s WHERE s.subject_id = ?1 AND s.day = ?2)
		WHERE subject_id = ?1 AND day = ?2`, subject, day); err != nil {
		return fmt.Errorf("merge %s: body weight of %s on %s: %w", m.src, subject, day, err)
	}
	_, err := m.tx.ExecContext(m.ctx, `INSERT INTO main.audit (at, by, action, target, field, old, new, why) VALUES (?, ?, 'merge', ?, 'body weight', ?, ?, ?)`,
		m.at, m.opts.By, "subject "+subject+" "+day, old, now, fmt.Sprintf("merge of %s: the files differed; --prefer %s", m.src, m.opts.Prefer))
	return err
}
