package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/training"
)

// SaveProgramme checks a programme (its stages' parameter sets through
// lookup) and stores it as its next version; an unchanged programme keeps
// its version. Rats on an older version stay on it until moved.
func SaveProgramme(ctx context.Context, d *storage.DB, p training.Programme, lookup training.Lookup, by string, now time.Time) (int, error) {
	if err := p.CheckWith(lookup); err != nil {
		return 0, err
	}
	body, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	return d.SaveProgramme(ctx, p.Name, body, by, now)
}

// Enrol puts a rat into a programme's latest version at a stage (the
// first if stage is empty). The built-in programme is stored the first
// time a rat is enrolled in it, so that its version is on record too.
func Enrol(ctx context.Context, d *storage.DB, subject, programme, stage, by, why string, lookup training.Lookup, now time.Time) (storage.StageChange, error) {
	if programme == "" {
		programme = training.Builtin().Name
	}
	if programme == training.Builtin().Name {
		if _, err := SaveProgramme(ctx, d, training.Builtin(), lookup, "fivechoice", now); err != nil {
			return storage.StageChange{}, err
		}
	}
	sp, err := d.Programme(ctx, programme, 0)
	if err != nil {
		return storage.StageChange{}, fmt.Errorf("%w (save it first: fivechoice train programme save FILE)", err)
	}
	prog, err := StoredProgramme(ctx, d, programme, sp.Version)
	if err != nil {
		return storage.StageChange{}, err
	}
	if stage == "" {
		stage = prog.Stages[0].Name
	}
	if _, _, err := prog.Stage(stage); err != nil {
		return storage.StageChange{}, err
	}
	if why == "" {
		why = "enrolled"
	}
	return d.ChangeStage(ctx, storage.StageChange{Subject: subject, Programme: programme, Version: sp.Version, To: stage,
		Action: "enrol", Reason: why, By: by, At: now})
}

// Move moves a rat to a stage by hand, recorded with who and why. With
// latest it also moves the rat to its programme's latest version (the
// stage must exist there).
func Move(ctx context.Context, d *storage.DB, subject, stage, by, why string, latest bool, now time.Time) (storage.StageChange, error) {
	cur, err := d.Stage(ctx, subject)
	if err != nil {
		return cur, err
	}
	version := cur.Version
	if latest {
		sp, err := d.Programme(ctx, cur.Programme, 0)
		if err != nil {
			return cur, err
		}
		version = sp.Version
	}
	prog, err := StoredProgramme(ctx, d, cur.Programme, version)
	if err != nil {
		return cur, err
	}
	if stage == "" {
		stage = cur.To
	}
	if _, _, err := prog.Stage(stage); err != nil {
		return cur, fmt.Errorf("move %s: %w", subject, err)
	}
	return d.ChangeStage(ctx, storage.StageChange{Subject: subject, Programme: cur.Programme, Version: version, To: stage,
		Action: "move", Reason: why, By: by, At: now})
}

// A RatStatus is a rat's training at a glance: its stage, its sessions
// there, the last one's measures against the stage's criteria, and
// whether its baseline is stable.
type RatStatus struct {
	Subject   string              `json:"subject"`
	Programme string              `json:"programme"`
	Version   int                 `json:"version"`
	Stage     string              `json:"stage"`
	Since     time.Time           `json:"since"`
	Sessions  int                 `json:"sessions_at_stage"`
	Counted   int                 `json:"sessions_counted"`
	Last      string              `json:"last_session,omitempty"`
	LastAt    time.Time           `json:"last_at,omitzero"`
	Decision  string              `json:"next,omitempty"` // what the programme says of the sessions so far
	Criteria  []string            `json:"criteria"`
	Stable    bool                `json:"stable_baseline"`
	Change    storage.StageChange `json:"last_change"`
}

// Status is every enrolled rat's training status.
func Status(ctx context.Context, d *storage.DB) ([]RatStatus, error) {
	states, err := d.Stages(ctx)
	if err != nil {
		return nil, err
	}
	var out []RatStatus
	for _, st := range states {
		s, err := StatusOf(ctx, d, st.Subject)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// StatusOf is one rat's training status.
func StatusOf(ctx context.Context, d *storage.DB, subject string) (RatStatus, error) {
	day, err := LoadTraining(ctx, d, subject)
	if err != nil {
		return RatStatus{}, err
	}
	return day.status(), nil
}

func (t *TrainingDay) status() RatStatus {
	st := t.Programme.Stages[t.Stage]
	r := RatStatus{Subject: t.Under.Subject, Programme: t.Under.Programme, Version: t.Under.Version, Stage: st.Name,
		Since: t.Under.At, Sessions: len(t.Sessions), Change: t.Under, LastAt: t.LastRun}
	for _, c := range st.Advance {
		r.Criteria = append(r.Criteria, c.String())
	}
	for _, s := range t.Sessions {
		if s.Counts() {
			r.Counted++
		}
	}
	if n := len(t.Sessions); n > 0 {
		r.Last = t.Sessions[n-1].ID
		r.Decision = t.Programme.Decide(t.Stage, t.Sessions).Reason
	}
	// Stable: the last stage's criteria were met (an advance at the last
	// stage) and nothing has moved the rat since.
	if r.Stable = t.stable(); r.Stable {
		r.Decision = "stable since " + t.Under.At.Local().Format("2006-01-02") + " (" + t.Under.Reason + ")"
	}
	return r
}

// ErrNoBaseline is a study refused because rats have no stable baseline.
var ErrNoBaseline = errors.New("no stable baseline")

// Unstable lists which of the rats are not at a stable baseline, each
// with where it is, for study create's warning or refusal.
func Unstable(ctx context.Context, d *storage.DB, subjects []string) ([]string, error) {
	var out []string
	for _, s := range subjects {
		day, err := LoadTraining(ctx, d, s)
		if errors.Is(err, storage.ErrNotFound) {
			out = append(out, s+" (not in training)")
			continue
		}
		if err != nil {
			return nil, err
		}
		if st := day.status(); !st.Stable {
			out = append(out, fmt.Sprintf("%s (at %s, %d sessions there)", s, st.Stage, st.Sessions))
		}
	}
	return out, nil
}
