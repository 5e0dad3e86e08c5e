package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// A Plan is what a recorded session is: who, under which condition, on
// which chamber, with which parameters.
type Plan struct {
	// Provenance is what will be recorded of the session before it starts.
	// An empty ID means a new UUIDv7, an empty Host this host. StartedAt is
	// the wall-clock time of session time zero for a session on virtual time
	// (a simulated study day); real-time sessions use the chamber's own.
	// Study, StudyDay and InjectedAt link a drug-study session to its
	// study's plan and record when the dose was given.
	storage.Provenance
	// Training, for a training session, is the rat's state it runs under:
	// at the end the programme decides and the stage change is committed
	// with the end.
	Training *TrainingDay
	// Batch marks one of a batch of simulated sessions run back to back:
	// its end is queued instead of waited for, so that consecutive sessions
	// share commits. Whoever runs the batch flushes the writer before
	// reading results.
	Batch bool
}

// A Recorded session: its id and how it ended.
type Recorded struct {
	ID     string
	Result Result
	// Stage is the training stage change committed with the end, if any.
	Stage *storage.StageChange
}

// RunRecorded runs a session and records it through w: the session row
// (committed before the session starts, unless plan.Batch), every event and
// attempt as it happens, and the end (durable before it returns, unless
// plan.Batch). If began is not nil, it receives nil once the session is
// recorded and running, or the error that stopped it first.
//
// s.Protocol is the session to run if the caller has made it already (from
// plan.Params, having checked them early); the parameters recorded are
// the ones it runs with. If it is nil, the session is made here from
// plan.Params, which are checked then. Any recorder in s is replaced by the
// database's.
//
// A session whose record stops (a commit that could not be made, a queue
// that filled because the disk fell behind) ends aborted, and is stored as
// ending where its record stops: whole, without gaps.
func RunRecorded(ctx context.Context, w *storage.Writer, plan Plan, s Setup, began ...chan<- error) (Recorded, error) {
	return runRecorded(ctx, w, plan, s, func(_ *storage.SessionLog, err error) {
		for _, b := range began {
			b <- err
		}
	})
}

// runRecorded is RunRecorded telling began of the session's log, so that
// the supervisor can show how far the record is durable.
func runRecorded(ctx context.Context, w *storage.Writer, plan Plan, s Setup, began func(*storage.SessionLog, error)) (Recorded, error) {
	p := s.Protocol
	if p == nil {
		var err error
		if p, err = protocols.NewSession(plan.Params); err != nil {
			began(nil, err)
			return Recorded{}, err
		}
	}
	params := p.Params()
	started := plan.StartedAt
	if started.IsZero() {
		started = time.Now()
	}
	rec := storage.SessionRecord{Provenance: plan.Provenance, Seed: params.Seed}
	rec.Params, rec.StartedAt = params, started
	if rec.Host == "" {
		rec.Host, _ = os.Hostname()
	}
	begin := w.BeginSession
	if plan.Batch {
		begin = w.BeginSessionQueued
	}
	log, err := begin(rec)
	if err != nil {
		began(nil, err)
		return Recorded{}, err
	}
	began(log, nil)
	if s.Timeline == nil {
		// Real time: never wait for the disk (a bounded queue; a full one
		// ends the session where its record stops).
		log.NeverBlock()
	}
	s.Protocol, s.Recorder = p, log
	res, err := Run(ctx, s)
	if err != nil {
		// The session never began on the chamber; record that it did not run.
		_ = log.End(0, protocols.EndAborted, time.Now(), err)
		return Recorded{ID: log.ID()}, err
	}
	wallStart := res.StartedAt
	if wallStart.IsZero() {
		wallStart = started
	}
	if !res.Ended { // a horizon stop: the caller decided the run is over
		res.EndReason, res.Ended = protocols.EndStopped, true
	}
	if res.Lateness != nil {
		timing, err := json.Marshal(res.Lateness.Summary())
		if err != nil {
			return Recorded{ID: log.ID(), Result: res}, fmt.Errorf("record end: %w", err)
		}
		log.SetTiming(timing)
	}
	var stage *storage.StageChange
	if plan.Training != nil {
		stage = plan.Training.decide(log.ID(), res.EndReason, p, wallStart.Add(res.At))
		log.SetStageChange(stage)
	}
	end := log.End
	if plan.Batch {
		end = log.EndQueued
	}
	if err := end(res.At, res.EndReason, wallStart.Add(res.At), res.Err); err != nil {
		return Recorded{ID: log.ID(), Result: res}, fmt.Errorf("record end: %w", err)
	}
	return Recorded{ID: log.ID(), Result: res, Stage: stage}, nil
}

var _ Recorder = (*storage.SessionLog)(nil)
