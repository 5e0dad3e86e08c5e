package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/protocols"

	"github.com/mattn/go-sqlite3"
)

// A Study is a within-subject drug study.
type Study struct {
	Name     string        `json:"name"`
	Design   string        `json:"design"` // latin-square
	Washout  time.Duration `json:"washout_ns"`
	Seed     uint64        `json:"seed"`
	Protocol string        `json:"protocol"`
	Blind    bool          `json:"blind"`
	// StartDate is the first test day, YYYY-MM-DD.
	StartDate string    `json:"start_date"`
	CreatedAt time.Time `json:"created_at"`
	// Conditions are the study's conditions in order as operators see them
	// (codes such as "STUDY/A" while the study is blind); the first is the
	// reference.
	Conditions  []string   `json:"conditions"`
	Subjects    []string   `json:"subjects"`
	UnblindedAt *time.Time `json:"unblinded_at,omitempty"`
	UnblindedBy string     `json:"unblinded_by,omitempty"`
	// KeyState says where a blind study's key is: KeySealed, KeyUnsealed
	// (in plain text while blind: a warning), KeyUnblinded; "" when the
	// study is not blind.
	KeyState string `json:"key_state,omitempty"`
}

// A PlanDay is one subject's test day in a study.
type PlanDay struct {
	Subject   string `json:"subject"`
	Day       int    `json:"day"`
	Condition string `json:"condition"` // as operators see it
	Date      string `json:"date"`      // planned, YYYY-MM-DD
}

// CodeCondition is the id of the condition standing for code (A, B ...)
// in a blind study.
func CodeCondition(study, code string) string { return study + "/" + code }

// A KeyEntry says which real condition a blind study's code stands for,
// and that condition's place in the study's own order (1: the reference).
type KeyEntry struct {
	Code      string `json:"code"` // the code condition, e.g. "S1/A"
	Condition string `json:"condition"`
	Position  int    `json:"position"`
}

// CreateStudy records a study, its plan and, for a blind study, its key
// in plain text, creating the code conditions. Everything is one
// transaction. A key in plain text is readable by anyone who opens the
// database: new blind studies are created with CreateSealedStudy, and this
// form remains for studies that are not blind and for tests of databases
// from before keys were sealed (migration 0009).
func (d *DB) CreateStudy(ctx context.Context, s Study, plan []PlanDay, key []KeyEntry) error {
	return d.createStudy(ctx, s, plan, func(tx *sql.Tx) error {
		for _, k := range key {
			if err := addCode(ctx, tx, s.Name, Condition{ID: k.Code}); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO blinding_keys (study, code_condition, condition_id, position) VALUES (?, ?, ?, ?)`,
				s.Name, k.Code, k.Condition, k.Position); err != nil {
				if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
					return fmt.Errorf("study %s: condition %s: %w", s.Name, k.Condition, ErrNotFound)
				}
				return fmt.Errorf("study %s: key for %s: %w", s.Name, k.Code, err)
			}
		}
		return nil
	})
}

// addCode records a blind study's code condition: drug "blinded", dose 0,
// and only what every condition of the study shares (route, vehicle,
// volume, pretreatment time), which says nothing about which is which.
func addCode(ctx context.Context, tx *sql.Tx, study string, c Condition) error {
	var vol any
	if c.VolumeMlPerKg > 0 {
		vol = c.VolumeMlPerKg
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO conditions (id, drug, dose_mg_per_kg, vehicle, route, volume_ml_per_kg, pretreatment_min, notes) VALUES (?, 'blinded', 0, ?, ?, ?, ?, ?)`,
		c.ID, c.Vehicle, c.Route, vol, c.PretreatmentMin, "a code of blind study "+study+"; 'fivechoice study unblind' reveals it"); err != nil {
		return fmt.Errorf("study %s: code %s: %w", study, c.ID, err)
	}
	return nil
}

// createStudy records a study in one transaction: its row, then what
// codes records (a blind study's code conditions and its key), then its
// conditions, subjects and plan.
func (d *DB) createStudy(ctx context.Context, s Study, plan []PlanDay, codes func(*sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create study %s: %w", s.Name, err)
	}
	defer tx.Rollback()
	if s.CreatedAt.IsZero() {
		s.CreatedAt = time.Now()
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO studies (name, design, washout_ns, seed, protocol, blind, start_date, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.Name, s.Design, int64(s.Washout), int64(s.Seed), s.Protocol, s.Blind, s.StartDate, s.CreatedAt.UTC().Format(time.RFC3339Nano))
	switch {
	case isConstraint(err, sqlite3.ErrConstraintPrimaryKey):
		return fmt.Errorf("study %s: %w", s.Name, ErrExists)
	case isConstraint(err, sqlite3.ErrConstraintCheck):
		return fmt.Errorf("study %q: invalid (a name without spaces or slashes, design latin-square, start date YYYY-MM-DD): %w", s.Name, err)
	case err != nil:
		return fmt.Errorf("create study %s: %w", s.Name, err)
	}
	if err := codes(tx); err != nil {
		return err
	}
	for i, c := range s.Conditions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO study_conditions (study, position, condition_id) VALUES (?, ?, ?)`, s.Name, i+1, c); err != nil {
			if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
				return fmt.Errorf("study %s: condition %s: %w", s.Name, c, ErrNotFound)
			}
			return fmt.Errorf("study %s: condition %s: %w", s.Name, c, err)
		}
	}
	for _, subj := range s.Subjects {
		if _, err := tx.ExecContext(ctx, `INSERT INTO study_subjects (study, subject) VALUES (?, ?)`, s.Name, subj); err != nil {
			if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
				return fmt.Errorf("study %s: subject %s: %w", s.Name, subj, ErrNotFound)
			}
			return fmt.Errorf("study %s: subject %s: %w", s.Name, subj, err)
		}
	}
	for _, p := range plan {
		if _, err := tx.ExecContext(ctx, `INSERT INTO study_plan (study, subject, day, condition_id, planned_date) VALUES (?, ?, ?, ?, ?)`,
			s.Name, p.Subject, p.Day, p.Condition, p.Date); err != nil {
			return fmt.Errorf("study %s: plan of %s day %d: %w", s.Name, p.Subject, p.Day, err)
		}
	}
	return tx.Commit()
}

// Study returns one study.
func (d *DB) Study(ctx context.Context, name string) (Study, error) {
	ss, err := d.studies(ctx, `WHERE name = ?`, name)
	st, err := only(ss, err, "study", name)
	return st, suggest(err, name, func() ([]string, error) { return d.studyNames(ctx) })
}

// Studies lists every study by name.
func (d *DB) Studies(ctx context.Context) ([]Study, error) { return d.studies(ctx, "") }

func (d *DB) studies(ctx context.Context, where string, args ...any) ([]Study, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name, design, washout_ns, seed, protocol, blind, start_date, created_at, COALESCE(unblinded_at, ''), COALESCE(unblinded_by, ''), `+keyStateSQL+`
		FROM studies `+where+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("studies: %w", err)
	}
	var out []Study
	for rows.Next() {
		var s Study
		var washout, seed int64
		var created, unblinded string
		if err := rows.Scan(&s.Name, &s.Design, &washout, &seed, &s.Protocol, &s.Blind, &s.StartDate, &created, &unblinded, &s.UnblindedBy, &s.KeyState); err != nil {
			rows.Close()
			return nil, fmt.Errorf("studies: %w", err)
		}
		s.Washout, s.Seed = time.Duration(washout), uint64(seed)
		s.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
		if unblinded != "" {
			t, _ := time.Parse(time.RFC3339Nano, unblinded)
			s.UnblindedAt = &t
		}
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		// Once unblinded, the conditions the codes stood for, in the
		// study's own order.
		q := `SELECT condition_id FROM study_conditions WHERE study = ? ORDER BY position`
		if out[i].KeyState == KeyUnblinded {
			q = `SELECT c.condition_id FROM (SELECT condition_id, position FROM blinding_keys WHERE study = ?1
				UNION ALL SELECT condition_id, position FROM study_conditions s WHERE study = ?1
				AND NOT EXISTS (SELECT 1 FROM blinding_keys k WHERE k.code_condition = s.condition_id)) c ORDER BY c.position`
		}
		if out[i].Conditions, err = d.strings(ctx, q, out[i].Name); err != nil {
			return nil, err
		}
		if out[i].Subjects, err = d.strings(ctx, `SELECT subject FROM study_subjects WHERE study = ? ORDER BY subject`, out[i].Name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d *DB) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Plan returns a study's test days, by subject and day, with their
// conditions as operators see them: a blind study's codes until it is
// unblinded, then the conditions the codes stood for.
func (d *DB) Plan(ctx context.Context, study string) ([]PlanDay, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT subject, day, `+resolved("study_plan.condition_id")+`, planned_date FROM study_plan WHERE study = ? ORDER BY subject, day`, study)
	if err != nil {
		return nil, fmt.Errorf("plan of %s: %w", study, err)
	}
	defer rows.Close()
	var out []PlanDay
	for rows.Next() {
		var p PlanDay
		if err := rows.Scan(&p.Subject, &p.Day, &p.Condition, &p.Date); err != nil {
			return nil, fmt.Errorf("plan of %s: %w", study, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// A StudyDay is a subject's next test day and whether it may run now.
type StudyDay struct {
	PlanDay
	// LastDrugSession is when the subject's previous test day's session
	// started (zero if none).
	LastDrugSession time.Time
	// NotBefore is the earliest start allowed by the washout.
	NotBefore time.Time
}

// ErrWashout refuses a subject still inside its washout.
var ErrWashout = errors.New("still inside the washout")

// ErrStudyDone says a subject has run every test day.
var ErrStudyDone = errors.New("every test day has been run")

// NextDay returns a subject's next test day in a study: the first planned
// day without a session that ended normally (max_trials or time_limit). At
// now, it refuses a subject still inside its washout.
func (d *DB) NextDay(ctx context.Context, study, subject string, now time.Time) (StudyDay, error) {
	s, err := d.Study(ctx, study)
	if err != nil {
		return StudyDay{}, err
	}
	var day StudyDay
	err = d.db.QueryRowContext(ctx, `SELECT p.subject, p.day, `+resolved("p.condition_id")+`, p.planned_date FROM study_plan p
		WHERE p.study = ? AND p.subject = ? AND NOT EXISTS (
			SELECT 1 FROM sessions x WHERE x.study = p.study AND x.subject_id = p.subject AND x.study_day = p.day
			AND x.end_reason IN ('max_trials', 'time_limit')
			AND NOT EXISTS (SELECT 1 FROM exclusions e WHERE e.session_key = x.key AND e.reinstated_at IS NULL))
		ORDER BY p.day LIMIT 1`, study, subject).Scan(&day.Subject, &day.Day, &day.Condition, &day.Date)
	if err == sql.ErrNoRows {
		var n int
		d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM study_subjects WHERE study = ? AND subject = ?`, study, subject).Scan(&n)
		if n == 0 {
			return StudyDay{}, fmt.Errorf("subject %s is not in study %s: %w", subject, study, ErrNotFound)
		}
		return StudyDay{}, fmt.Errorf("subject %s in study %s: %w", subject, study, ErrStudyDone)
	}
	if err != nil {
		return StudyDay{}, fmt.Errorf("next day of %s in %s: %w", subject, study, err)
	}
	var last string
	d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(started_at), '') FROM sessions WHERE study = ? AND subject_id = ? AND study_day IS NOT NULL`, study, subject).Scan(&last)
	if last != "" {
		day.LastDrugSession, _ = time.Parse(time.RFC3339Nano, last)
		day.NotBefore = day.LastDrugSession.Add(s.Washout)
		if now.Before(day.NotBefore) {
			return day, fmt.Errorf("subject %s: last test day %s, washout %v: %w until %s", subject,
				day.LastDrugSession.Local().Format("2006-01-02 15:04"), s.Washout, ErrWashout, day.NotBefore.Local().Format("2006-01-02 15:04"))
		}
	}
	return day, nil
}

// Remaining counts a study's planned test days that no session has run to
// a normal end (its trial or time limit) and that is not excluded, and the
// days planned.
func (d *DB) Remaining(ctx context.Context, study string) (remaining, planned int, err error) {
	plan, err := d.Plan(ctx, study)
	if err != nil {
		return 0, 0, err
	}
	sessions, err := d.Sessions(ctx, Filter{Study: study})
	if err != nil {
		return 0, 0, err
	}
	excl, err := d.Exclusions(ctx, study)
	if err != nil {
		return 0, 0, err
	}
	excluded := map[string]bool{}
	for _, e := range excl {
		excluded[e.Session] = true
	}
	ran := map[string]bool{}
	for _, s := range sessions {
		if (s.EndReason == protocols.EndMaxTrials || s.EndReason == protocols.EndTimeLimit) && !excluded[s.ID] {
			ran[fmt.Sprintf("%s/%d", s.Subject, s.StudyDay)] = true
		}
	}
	for _, p := range plan {
		if !ran[fmt.Sprintf("%s/%d", p.Subject, p.Day)] {
			remaining++
		}
	}
	return remaining, len(plan), nil
}
