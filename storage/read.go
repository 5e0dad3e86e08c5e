package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/protocols"
)

// sessionColumns are a session record's columns, its condition as
// everyone may see it (resolved: a blind study's code until unblinded).
var sessionColumns = `id, subject_id, ` + resolved("sessions.condition_id") + `, chamber, backend, protocol, params, seed, software_version, host,
	started_at, status, COALESCE(ended_at, ''), COALESCE(ended_ns, 0), COALESCE(end_reason, ''), COALESCE(error, ''),
	COALESCE(study, ''), COALESCE(study_day, 0), COALESCE(injected_at, ''), timing, COALESCE(training_change, 0)`

func scanSession(sc interface{ Scan(...any) error }) (SessionRecord, error) {
	var s SessionRecord
	var params, started, ended, injected string
	var seed, endedNs int64
	var timing sql.NullString
	err := sc.Scan(&s.ID, &s.Subject, &s.Condition, &s.Chamber, &s.Backend, &s.Protocol, &params, &seed, &s.Version, &s.Host,
		&started, &s.Status, &ended, &endedNs, &s.EndReason, &s.Error, &s.Study, &s.StudyDay, &injected, &timing, &s.TrainingChange)
	if err != nil {
		return s, err
	}
	if timing.Valid {
		s.Timing = json.RawMessage(timing.String)
	}
	s.Seed = uint64(seed)
	s.Ended = time.Duration(endedNs)
	s.StartedAt, _ = time.Parse(time.RFC3339Nano, started)
	if ended != "" {
		s.EndedAt, _ = time.Parse(time.RFC3339Nano, ended)
	}
	if injected != "" {
		s.InjectedAt, _ = time.Parse(time.RFC3339Nano, injected)
	}
	if err := json.Unmarshal([]byte(params), &s.Params); err != nil {
		return s, fmt.Errorf("session %s params: %w", s.ID, err)
	}
	return s, nil
}

// Session returns one session's record.
func (d *DB) Session(ctx context.Context, id string) (SessionRecord, error) {
	s, err := scanSession(d.db.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return s, fmt.Errorf("session %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("session %s: %w", id, err)
	}
	return s, nil
}

// A Filter selects sessions; zero fields select everything.
type Filter struct {
	Subject   string
	Condition string
	Chamber   string
	Status    string
	Study     string
	From, To  time.Time // started in [From, To)
	// TrainingChange selects the sessions run under one training stage
	// change (a rat's sessions at a stage).
	TrainingChange int64
	// Included leaves out excluded sessions.
	Included bool
	Limit    int
	// Newest lists the latest sessions first (the API's order, so that a
	// limited list shows today's); else oldest first.
	Newest bool
}

// Sessions lists sessions matching f, oldest first.
func (d *DB) Sessions(ctx context.Context, f Filter) ([]SessionRecord, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.Subject != "" {
		add("subject_id = ?", f.Subject)
	}
	if f.Condition != "" {
		// The stored condition (a code) or, once unblinded, the real one.
		where = append(where, "(condition_id = ? OR "+resolved("sessions.condition_id")+" = ?)")
		args = append(args, f.Condition, f.Condition)
	}
	if f.Chamber != "" {
		add("chamber = ?", f.Chamber)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Study != "" {
		add("study = ?", f.Study)
	}
	if f.TrainingChange != 0 {
		add("training_change = ?", f.TrainingChange)
	}
	if f.Included {
		where = append(where, "NOT EXISTS (SELECT 1 FROM exclusions e WHERE e.session_key = sessions.key AND e.reinstated_at IS NULL)")
	}
	if !f.From.IsZero() {
		add("started_at >= ?", f.From.UTC().Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		add("started_at < ?", f.To.UTC().Format(time.RFC3339Nano))
	}
	q := `SELECT ` + sessionColumns + ` FROM sessions`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Newest {
		q += " ORDER BY started_at DESC, id DESC"
	} else {
		q += " ORDER BY started_at, id"
	}
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	defer rows.Close()
	var out []SessionRecord
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("sessions: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func optNs(v sql.NullInt64) time.Duration {
	if !v.Valid {
		return protocols.None
	}
	return time.Duration(v.Int64)
}

// Attempts returns a session's attempts in order.
func (d *DB) Attempts(ctx context.Context, session string) ([]protocols.Attempt, error) {
	return d.AttemptsPage(ctx, session, 0, -1)
}

// AttemptsPage returns at most limit of a session's attempts (all when
// limit < 0), in order, from attempt after+1: a page of a long session,
// so that no answer holds a whole session's attempts at once.
func (d *DB) AttemptsPage(ctx context.Context, session string, after, limit int) ([]protocols.Attempt, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT n, outcome, target, iti_ns, sd_ns, iti_start_ns, onset_ns, COALESCE(response_hole, 0), response_ns,
		collection_ns, first_premature_ns, premature, perseverative, timeout_responses FROM attempts
		WHERE session = (SELECT key FROM sessions WHERE id = ?) AND n > ? ORDER BY n LIMIT ?`, session, after, limit)
	if err != nil {
		return nil, fmt.Errorf("attempts of %s: %w", session, err)
	}
	defer rows.Close()
	var out []protocols.Attempt
	for rows.Next() {
		var a protocols.Attempt
		var outcome string
		var iti, sd, start int64
		var onset, resp, coll, prem sql.NullInt64
		if err := rows.Scan(&a.N, &outcome, &a.Target, &iti, &sd, &start, &onset, &a.ResponseHole, &resp, &coll, &prem,
			&a.Premature, &a.Perseverative, &a.TimeoutResponses); err != nil {
			return nil, fmt.Errorf("attempts of %s: %w", session, err)
		}
		if a.Outcome, err = protocols.ParseOutcome(outcome); err != nil {
			return nil, fmt.Errorf("attempts of %s: %w", session, err)
		}
		a.ITI, a.SD, a.ITIStart = time.Duration(iti), time.Duration(sd), time.Duration(start)
		a.Onset, a.Response, a.Collection, a.FirstPremature = optNs(onset), optNs(resp), optNs(coll), optNs(prem)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Events returns a session's raw events in order.
func (d *DB) Events(ctx context.Context, session string) ([]Event, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT seq, t_ns, kind, channel, value, COALESCE(hw_seq, 0), COALESCE(class, ''), COALESCE(attempt, 0), COALESCE(due_ns, 0)
		FROM events WHERE session = (SELECT key FROM sessions WHERE id = ?) ORDER BY seq`, session)
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", session, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var seq, t, hw, due int64
		var kind, channel, class string
		var value int
		if err := rows.Scan(&seq, &t, &kind, &channel, &value, &hw, &class, &e.Attempt, &due); err != nil {
			return nil, fmt.Errorf("events of %s: %w", session, err)
		}
		e.Seq, e.At, e.HWSeq, e.Due = uint64(seq), time.Duration(t), uint64(hw), time.Duration(due)
		if kind == "input" {
			if e.Input, err = hardware.ParseInput(channel); err == nil {
				e.Class, err = protocols.ParseClass(class)
			}
			e.Entry = value == 1
		} else {
			e.Output, err = hardware.ParseOutput(channel)
			e.On = value == 1
		}
		if err != nil {
			return nil, fmt.Errorf("events of %s, seq %d: %w", session, seq, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// RecoverInterrupted marks sessions left running by a crash (kill -9, power
// loss) as interrupted, and their attempts without an outcome as
// unfinished. Everything they recorded up to the last commit stays. Only the
// process that runs sessions calls it, at start-up, before starting any.
func (d *DB) RecoverInterrupted(ctx context.Context) ([]string, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("recover: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id FROM sessions WHERE status = 'running'`)
	if err != nil {
		return nil, fmt.Errorf("recover: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("recover: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for _, id := range ids {
		if err := d.wholeFromEvents(ctx, tx, id); err != nil {
			return nil, fmt.Errorf("recover %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET status = 'interrupted', end_reason = 'interrupted', ended_at = ?,
			ended_ns = (SELECT MAX(t_ns) FROM events WHERE session = sessions.key),
			error = 'the controller stopped while the session was running (crash or power loss); data up to the last commit is kept'
			WHERE id = ?`, now, id); err != nil {
			return nil, fmt.Errorf("recover %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE attempts SET outcome = 'unfinished' WHERE session = (SELECT key FROM sessions WHERE id = ?) AND outcome = 'pending'`, id); err != nil {
			return nil, fmt.Errorf("recover %s: %w", id, err)
		}
	}
	return ids, tx.Commit()
}

// wholeFromEvents makes an interrupted session's attempts what its stored
// events imply (protocols.Replay to the last event): a crash keeps a
// prefix of the writes, which may end between an event and the attempt
// row it changed, and the record must still rescore to itself.
func (d *DB) wholeFromEvents(ctx context.Context, tx *sql.Tx, id string) error {
	s, err := d.Session(ctx, id)
	if err != nil {
		return err
	}
	events, err := d.Events(ctx, id)
	if err != nil {
		return err
	}
	log := make([]protocols.LogEntry, len(events))
	var end time.Duration
	for i, e := range events {
		log[i], end = LogEntry(e), max(end, e.At)
	}
	again, err := protocols.Replay(s.Params, log, end, protocols.EndInterrupted)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	var key int64
	if err := tx.QueryRowContext(ctx, `SELECT key FROM sessions WHERE id = ?`, id).Scan(&key); err != nil {
		return err
	}
	as := again.Attempts()
	for _, a := range as {
		v := attemptValues(key, a)
		args := make([]any, len(v))
		for i := range v {
			args[i] = v[i]
		}
		if _, err := tx.ExecContext(ctx, upsertAttempt+attemptRow+onAttemptExists, args...); err != nil {
			return fmt.Errorf("attempt %d: %w", a.N, err)
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM attempts WHERE session = ? AND n > ?`, key, len(as))
	return err
}

// CountEvents returns how many raw events the database holds.
func (d *DB) CountEvents(ctx context.Context) (int64, error) {
	var n int64
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

// EventGaps returns the sessions whose event numbers have a gap: events
// were lost between the runner and the disk (Seq numbers a session's
// events from 1 with no gaps).
func (d *DB) EventGaps(ctx context.Context) ([]string, error) {
	ids, err := d.strings(ctx, `SELECT s.id FROM sessions s JOIN (SELECT session, MAX(seq) - COUNT(*) AS gap FROM events GROUP BY session) g
		ON g.session = s.key WHERE g.gap <> 0 ORDER BY s.started_at, s.id`)
	if err != nil {
		return nil, fmt.Errorf("event gaps: %w", err)
	}
	return ids, nil
}
