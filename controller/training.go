package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/training"
)

// ErrTrainedToday refuses a rat's second training session of a day: the
// programme counts one session a day, and a second one by mistake (the
// same rat loaded twice) would count towards its criteria.
var ErrTrainedToday = errors.New("already trained today")

// TrainingTerm is the condition training sessions are recorded under: no
// injection (the built-in condition "baseline").
const TrainingTerm = "baseline"

// A TrainingDay is a rat's training session to run: the stage its
// state puts it at, and its sessions there so far. At the session's end
// the programme decides (training.Programme.Decide) and the change, if
// any, is committed with the session's end.
type TrainingDay struct {
	Programme training.Programme  // the version Under names
	Stage     int                 // index in Programme.Stages
	Under     storage.StageChange // the rat's state the session runs under
	Sessions  []training.Session  // its sessions at the stage, oldest first
	// LastRun is when the rat last trained: the start of its latest
	// ended training session, whatever the stage (zero: never).
	LastRun time.Time
}

// PlanTraining is a rat's training session for today from its stored
// state: the stage's parameter set (lookup: built-in and lab sets) with
// seed, under the no-injection condition. A rat not in training, one
// already trained today (unless again), or a stage its programme version
// does not have, is refused with the reason.
func PlanTraining(ctx context.Context, d *storage.DB, subject string, lookup training.Lookup, now time.Time, again bool, seed uint64) (Plan, error) {
	day, err := LoadTraining(ctx, d, subject)
	if err != nil {
		return Plan{}, err
	}
	if !again {
		y, m, dd := now.Date()
		today, err := d.Sessions(ctx, storage.Filter{Subject: subject, From: time.Date(y, m, dd, 0, 0, 0, 0, now.Location())})
		if err != nil {
			return Plan{}, err
		}
		for _, s := range today {
			// Only a session that counts uses up the day: one stopped or
			// aborted early may be run again.
			if s.TrainingChange != 0 && s.Status == storage.StatusEnded && (training.Session{EndReason: s.EndReason}).Counts() {
				return Plan{}, fmt.Errorf("rat %s: session %s at %s today: %w (ask for another on purpose with again)", subject, s.ID, s.StartedAt.Local().Format("15:04"), ErrTrainedToday)
			}
		}
	}
	st := day.Programme.Stages[day.Stage]
	params, err := lookup(st.Protocol)
	if err != nil {
		return Plan{}, fmt.Errorf("rat %s at %s: %w", subject, st.Name, err)
	}
	protocol, err := d.SetRef(ctx, st.Protocol, params) // a lab set: NAME@VERSION (docs/protocols.md)
	if err != nil {
		return Plan{}, fmt.Errorf("rat %s at %s: %w", subject, st.Name, err)
	}
	params.Seed = seed
	return Plan{
		Provenance: storage.Provenance{Subject: subject, Condition: TrainingTerm, Protocol: protocol, Params: params, TrainingChange: day.Under.ID},
		Training:   day,
	}, nil
}

// LoadTraining reads a rat's training state: its programme version, its
// stage and its sessions there (those excluded left out).
func LoadTraining(ctx context.Context, d *storage.DB, subject string) (*TrainingDay, error) {
	under, err := d.Stage(ctx, subject)
	if err != nil {
		return nil, err
	}
	prog, err := StoredProgramme(ctx, d, under.Programme, under.Version)
	if err != nil {
		return nil, err
	}
	_, at, err := prog.Stage(under.To)
	if err != nil {
		return nil, fmt.Errorf("rat %s: %w", subject, err)
	}
	day := &TrainingDay{Programme: prog, Stage: at, Under: under}
	stored, err := d.SessionsUnder(ctx, under.ID)
	if err != nil {
		return nil, err
	}
	if err := day.lastRun(ctx, d); err != nil {
		return nil, err
	}
	for _, s := range stored {
		if s.Status != storage.StatusEnded {
			continue
		}
		attempts, err := d.Attempts(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		day.Sessions = append(day.Sessions, training.SessionOf(s.ID, s.EndReason, s.Params, attempts, 0))
	}
	return day, nil
}

// StoredProgramme reads one stored programme version.
func StoredProgramme(ctx context.Context, d *storage.DB, name string, version int) (training.Programme, error) {
	sp, err := d.Programme(ctx, name, version)
	if err != nil {
		return training.Programme{}, err
	}
	var prog training.Programme
	if err := json.Unmarshal(sp.Body, &prog); err != nil {
		return prog, fmt.Errorf("programme %s version %d: %w", name, sp.Version, err)
	}
	return prog, nil
}

// stable says the rat's state is a stable baseline: an advance at the
// programme's last stage.
func (t *TrainingDay) stable() bool {
	last := t.Programme.Stages[len(t.Programme.Stages)-1].Name
	return t.Under.Action == training.Advance && t.Under.From == last && t.Under.To == last
}

// decide is the programme's decision after this session, as the stage
// change to commit with the session's end, or nil when the rat stays.
func (t *TrainingDay) decide(id, endReason string, p *protocols.Session, endedAt time.Time) *storage.StageChange {
	this := training.SessionOf(id, endReason, p.Params(), p.Attempts(), p.MagazineEntries())
	d := t.Programme.Decide(t.Stage, append(t.Sessions, this))
	if d.Action == training.Stay || (d.Action == training.Advance && t.stable()) {
		return nil // a stable baseline stays stable until it falls back
	}
	return &storage.StageChange{
		Subject: t.Under.Subject, Programme: t.Under.Programme, Version: t.Under.Version,
		From: t.Programme.Stages[t.Stage].Name, To: d.To, Action: d.Action, Reason: d.Reason,
		By: "programme", At: endedAt, Under: t.Under.ID,
	}
}

// lastRun is when the rat last trained: its latest ended training
// session, at this stage or before (a move by hand does not reset it).
func (t *TrainingDay) lastRun(ctx context.Context, d *storage.DB) error {
	recent, err := d.Sessions(ctx, storage.Filter{Subject: t.Under.Subject, Status: storage.StatusEnded, Newest: true, Limit: 20})
	if err != nil {
		return err
	}
	for _, s := range recent {
		if s.TrainingChange != 0 {
			t.LastRun = s.StartedAt
			return nil
		}
	}
	return nil
}
