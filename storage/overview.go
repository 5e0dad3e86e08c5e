package storage

import (
	"context"
	"fmt"
	"time"
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
