package controller

import (
	"context"
	"encoding/json"
	"errors"
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
	// Dropped counts events and attempt updates that did not fit in the
	// storage queue (real time only); the stored session says so.
	Dropped int64
}

// RunRecorded runs a session and records it through w: the session row,
// every event and attempt as it happens, and the end (durable before it
// returns, unless plan.Batch). If began is not nil, it receives nil once the
// session is recorded and running, or the error that stopped it first.
//
// s.Protocol is the session to run if the caller has made it already (from
// plan.Params, having checked them early); the parameters recorded are
// the ones it runs with. If it is nil, the session is made here from
// plan.Params, which are checked then. Any recorder in s is replaced by the
// database's.
func RunRecorded(ctx context.Context, w *storage.Writer, plan Plan, s Setup, began ...chan<- error) (Recorded, error) {
	notify := func(err error) {
		for _, b := range began {
			b <- err
		}
		began = nil
	}
	p := s.Protocol
	if p == nil {
		var err error
		if p, err = protocols.NewSession(plan.Params); err != nil {
			notify(err)
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
	log, err := w.BeginSession(rec)
	if err != nil {
		notify(err)
		return Recorded{}, err
	}
	notify(nil)
	if s.Timeline == nil {
		// Real time: never wait for the disk (bounded queue, counted drops).
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
	fault := res.Err
	dropped := log.Dropped()
	if dropped > 0 {
		// Flag the session: its record is incomplete though it ran to its end.
		fault = errors.Join(fault, fmt.Errorf("%d events and attempt updates were dropped: they came faster than the database took them", dropped))
	}
	if res.Lateness != nil {
		timing, err := json.Marshal(res.Lateness.Summary())
		if err != nil {
			return Recorded{ID: log.ID(), Result: res, Dropped: dropped}, fmt.Errorf("record end: %w", err)
		}
		log.SetTiming(timing)
	}
	end := log.End
	if plan.Batch {
		end = log.EndQueued
	}
	if err := end(res.At, res.EndReason, wallStart.Add(res.At), fault); err != nil {
		return Recorded{ID: log.ID(), Result: res, Dropped: dropped}, fmt.Errorf("record end: %w", err)
	}
	return Recorded{ID: log.ID(), Result: res, Dropped: dropped}, nil
}

var _ Recorder = (*storage.SessionLog)(nil)
