package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
)

// SubjectActivity is how many sessions a subject has and when its latest
// began: the control room's subject list (issue 13).
type SubjectActivity struct {
	Sessions int
	Latest   time.Time
}

// Activity returns every subject's count of sessions and latest start, in
// one pass over the sessions' subject index.
func (d *DB) Activity(ctx context.Context) (map[string]SubjectActivity, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT subject_id, COUNT(*), MAX(started_at) FROM sessions GROUP BY subject_id`)
	if err != nil {
		return nil, fmt.Errorf("activity: %w", err)
	}
	defer rows.Close()
	out := map[string]SubjectActivity{}
	for rows.Next() {
		var id, latest string
		var a SubjectActivity
		if err := rows.Scan(&id, &a.Sessions, &latest); err != nil {
			return nil, fmt.Errorf("activity: %w", err)
		}
		a.Latest, _ = time.Parse(time.RFC3339Nano, latest)
		out[id] = a
	}
	return out, rows.Err()
}

// Scored returns a session's counters and measures (R24-R26) computed by
// protocols.Score from its stored attempts and magazine entries: the
// figures of Summary to the last bit (the view is written to agree with
// Score), read through the session's own rows. The session_measures view
// behind Summary works its latency medians out over every stored attempt
// before picking one session's (its window functions do not take the
// session from the WHERE), which took 0.28 s a session with 200 stored
// and grows with the database; a page that lists 30 sessions cannot wait
// for that.
func (d *DB) Scored(ctx context.Context, session string) (protocols.Summary, error) {
	as, err := d.Attempts(ctx, session)
	if err != nil {
		return protocols.Summary{}, err
	}
	var magazine int
	err = d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE session = (SELECT key FROM sessions WHERE id = ?)
		AND class IN ('initiation', 'magazine', 'collection')`, session).Scan(&magazine)
	if err != nil {
		return protocols.Summary{}, fmt.Errorf("magazine entries of %s: %w", session, err)
	}
	return protocols.Score(as, magazine), nil
}
