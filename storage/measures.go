package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
)

// measureColumns are session_measures' counters and measures (R24-R26), in
// the order the view, the export and Summary give them.
var measureColumns = []string{
	"correct", "incorrect", "omissions", "premature", "perseverative", "timeout_responses", "magazine_entries", "trials_scored", "attempts",
	"accuracy_pct", "omissions_pct", "correct_pct", "premature_pct",
	"correct_latency_mean_ms", "correct_latency_median_ms", "incorrect_latency_mean_ms", "incorrect_latency_median_ms",
	"reward_latency_mean_ms", "reward_latency_median_ms", "premature_latency_mean_ms", "premature_latency_median_ms",
}

// measuresOf lists the measure columns of the view under alias m.
func measuresOf(m string) string { return m + "." + strings.Join(measureColumns, ", "+m+".") }

// Summary returns a session's counters and measures as the database's
// session_measures view computes them (rules R24-R26).
func (d *DB) Summary(ctx context.Context, session string) (protocols.Summary, error) {
	var s protocols.Summary
	c, m := &s.Counters, &s.Measures
	err := d.db.QueryRowContext(ctx, `SELECT `+measuresOf("m")+` FROM session_measures m WHERE session_id = ?`, session).Scan(
		&c.Correct, &c.Incorrect, &c.Omissions, &c.Premature, &c.Perseverative, &c.TimeoutResponses, &c.MagazineEntries, &c.TrialsScored, &c.Attempts,
		&m.AccuracyPct, &m.OmissionsPct, &m.CorrectPct, &m.PrematurePct,
		&m.CorrectLatencyMeanMs, &m.CorrectLatencyMedianMs, &m.IncorrectLatencyMeanMs, &m.IncorrectLatencyMedianMs,
		&m.RewardLatencyMeanMs, &m.RewardLatencyMedianMs, &m.PrematureLatencyMeanMs, &m.PrematureLatencyMedianMs)
	if err == sql.ErrNoRows {
		return s, fmt.Errorf("session %s: %w", session, ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("measures of %s: %w", session, err)
	}
	return s, nil
}

// SessionMeasures are one study session's provenance, state and
// measures.
type SessionMeasures struct {
	Session   string
	Subject   string
	Condition string // its code while the study is blind
	StudyDay  int    // 0 if not recorded
	Status    string // running, ended or interrupted
	EndReason string // empty while running
	StartedAt time.Time
	// Excluded says who excluded the session and why ("" if it is not):
	// it stays stored, and reports leave it out and say so.
	Excluded string
	// Values are by session_measures column (R24-R26); NaN where a
	// measure is undefined (no correct response, no latency).
	Values map[string]float64
}

// Completed reports whether the session ended by its trial or time limit
// (R21, R22): the only sessions whose measures count in a study.
func (m SessionMeasures) Completed() bool {
	return m.EndReason == protocols.EndMaxTrials || m.EndReason == protocols.EndTimeLimit
}

// StudyMeasures returns every session of a study, whatever its state,
// oldest first, with its measures. A blind study's sessions carry their
// condition's code until the study is unblinded.
func (d *DB) StudyMeasures(ctx context.Context, study string) ([]SessionMeasures, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT s.id, s.subject_id, c.condition_id, COALESCE(s.study_day, 0), s.status, COALESCE(s.end_reason, ''), s.started_at,
		COALESCE((SELECT x.excluded_by || ': ' || x.why FROM exclusions x WHERE x.session_key = s.key AND x.reinstated_at IS NULL), ''), `+measuresOf("m")+`
		FROM sessions s JOIN session_condition c ON c.session = s.key JOIN session_measures m ON m.session = s.key
		WHERE s.study = ? ORDER BY s.started_at, s.id`, study)
	if err != nil {
		return nil, fmt.Errorf("measures of study %s: %w", study, err)
	}
	defer rows.Close()
	var out []SessionMeasures
	vals := make([]sql.NullFloat64, len(measureColumns))
	for rows.Next() {
		var r SessionMeasures
		var started string
		dest := []any{&r.Session, &r.Subject, &r.Condition, &r.StudyDay, &r.Status, &r.EndReason, &started, &r.Excluded}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("measures of study %s: %w", study, err)
		}
		r.StartedAt, _ = time.Parse(time.RFC3339Nano, started)
		r.Values = make(map[string]float64, len(measureColumns))
		for i, col := range measureColumns {
			r.Values[col] = math.NaN()
			if vals[i].Valid {
				r.Values[col] = vals[i].Float64
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
