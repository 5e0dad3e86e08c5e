package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/fivechoice/fivechoice/storage"
)

// exportQueries are the tidy tables export writes: one row per session,
// per attempt or per event, with the subject and condition on every row so
// that R or pandas need no joins. A blind study's sessions carry their code
// until the study is unblinded.
var exportQueries = map[string]string{
	"sessions": `SELECT s.id AS session_id, s.subject_id AS subject, c.condition_id AS condition, COALESCE(s.study, '') AS study, s.study_day,
		s.chamber, s.backend, s.protocol, s.seed, s.started_at, s.ended_at, s.injected_at, s.status, s.end_reason,
		m.correct, m.incorrect, m.omissions, m.premature, m.perseverative, m.timeout_responses, m.magazine_entries, m.trials_scored, m.attempts,
		m.accuracy_pct, m.omissions_pct, m.correct_pct, m.premature_pct,
		m.correct_latency_mean_ms, m.correct_latency_median_ms, m.incorrect_latency_mean_ms, m.incorrect_latency_median_ms,
		m.reward_latency_mean_ms, m.reward_latency_median_ms, m.premature_latency_mean_ms, m.premature_latency_median_ms
		FROM sessions s JOIN session_condition c ON c.session = s.key JOIN session_measures m ON m.session = s.key
		WHERE (?1 = '' OR s.study = ?1) ORDER BY s.started_at, s.id`,
	"trials": `SELECT s.id AS session_id, s.subject_id AS subject, c.condition_id AS condition, COALESCE(s.study, '') AS study, s.study_day,
		a.n AS attempt, a.outcome, a.target, a.iti_ns / 1e6 AS iti_ms, a.sd_ns / 1e6 AS sd_ms, a.iti_start_ns / 1e6 AS iti_start_ms,
		a.onset_ns / 1e6 AS onset_ms, a.response_hole, a.response_ns / 1e6 AS response_ms, a.response_latency_ns / 1e6 AS response_latency_ms,
		a.reward_latency_ns / 1e6 AS reward_latency_ms, a.premature_latency_ns / 1e6 AS premature_latency_ms,
		a.premature AS premature_responses, a.perseverative, a.timeout_responses
		FROM attempts a JOIN sessions s ON s.key = a.session JOIN session_condition c ON c.session = s.key
		WHERE (?1 = '' OR s.study = ?1) ORDER BY s.started_at, s.id, a.n`,
	"events": `SELECT s.id AS session_id, s.subject_id AS subject, c.condition_id AS condition, e.seq, e.t_ns / 1e6 AS t_ms, e.kind, e.channel,
		e.value, e.hw_seq, e.class, e.attempt, e.due_ns / 1e6 AS due_ms
		FROM events e JOIN sessions s ON s.key = e.session JOIN session_condition c ON c.session = s.key
		WHERE (?1 = '' OR s.study = ?1) ORDER BY s.started_at, s.id, e.seq`,
}

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "export --db FILE --what sessions|trials|events [--study NAME] [--format csv] [--out FILE]", stderr)
	db := fs.String("db", "fivechoice.db", "database `file`")
	what := fs.String("what", "sessions", "sessions, trials or events")
	study := fs.String("study", "", "only this study's sessions")
	format := fs.String("format", "csv", "csv (the only format)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	q, ok := exportQueries[*what]
	if !ok {
		return fmt.Errorf("--what %q: want sessions, trials or events", *what)
	}
	if *format != "csv" {
		return fmt.Errorf("--format %q: only csv", *format)
	}
	d, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if *study != "" {
		if _, err := d.Study(ctx, *study); err != nil {
			return err
		}
	}
	return writeCSV(ctx, d, stdout, q, *study)
}

// writeCSV writes a query's rows as CSV with a header; NULL is an empty
// field, numbers are written in full precision.
func writeCSV(ctx context.Context, d *storage.DB, w io.Writer, q string, args ...any) error {
	rows, err := d.SQL().QueryContext(ctx, q, args...)
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

func cmdMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("merge", "merge --into LAB.db HOST1.db HOST2.db ...", stderr)
	into := fs.String("into", "", "the database `file` to merge into (created if missing)")
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if *into == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	d, err := storage.Open(ctx, *into)
	if err != nil {
		return err
	}
	defer d.Close()
	var failed []error
	for _, src := range fs.Args() {
		// Bring the source's schema up to date first, so its columns match.
		sd, err := storage.Open(ctx, src)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		sd.Close()
		res, err := d.Merge(ctx, src)
		if err != nil {
			failed = append(failed, err)
			fmt.Fprintf(stderr, "%v\n", err)
			continue
		}
		fmt.Fprintf(stdout, "%s: %d sessions added (%d already there), %d attempts, %d events, %d subjects, %d conditions, %d studies\n",
			src, res.Sessions, res.Skipped, res.Attempts, res.Events, res.Subjects, res.Conditions, res.Studies)
	}
	if len(failed) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d files not merged", len(failed), fs.NArg())}
	}
	return errors.Join(failed...)
}
