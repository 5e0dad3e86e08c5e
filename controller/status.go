package controller

import (
	"fmt"
	"sort"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// This file is what the supervisor shows of its chambers: each one's live
// state for the API, the page and the metrics.

// ChamberStatus is a chamber's live state.
type ChamberStatus struct {
	Name    string `json:"name"`
	Backend string `json:"backend"`
	State   string `json:"state"` // idle, running, faulted or disabled
	// Fault says why a faulted chamber's hardware is missing.
	Fault     string              `json:"fault,omitempty"`
	SessionID string              `json:"session_id,omitempty"`
	Subject   string              `json:"subject,omitempty"`
	Condition string              `json:"condition,omitempty"`
	Protocol  string              `json:"protocol,omitempty"`
	StartedAt *time.Time          `json:"started_at,omitempty"`
	Phase     string              `json:"phase,omitempty"` // the protocol state
	Attempt   int                 `json:"attempt,omitempty"`
	Counters  *protocols.Counters `json:"counters,omitempty"`
	Measures  *protocols.Measures `json:"measures,omitempty"`
	// EventSeq is the last event of the running session handed to
	// storage (live); Committed is how far its record is durable: what a
	// crash or power cut now would keep.
	EventSeq  uint64             `json:"event_seq,omitempty"`
	Committed *storage.Committed `json:"committed,omitempty"`
	// StorageWarning says that commits lag behind the sessions by more
	// than the configured bound (commit_lag_warning); sessions go on.
	StorageWarning string `json:"storage_warning,omitempty"`
	// Last is how the chamber's previous session ended, since the daemon
	// started.
	Last *LastSession `json:"last_session,omitempty"`
	// LastInputAt is when the running session's rat last broke or
	// restored a beam; nil before its first input.
	LastInputAt *time.Time `json:"last_input_at,omitempty"`
	// ElapsedS is the running session's time in seconds (virtual time on
	// a faster simulated chamber, so it agrees with what is recorded);
	// MaxTrials and MaxDurationS are its limits (R21, R22).
	ElapsedS     float64 `json:"elapsed_s,omitempty"`
	MaxTrials    int     `json:"max_trials,omitempty"`
	MaxDurationS float64 `json:"max_duration_s,omitempty"`
	// Study and StudyDay name the study test day the session is, if any.
	Study    string `json:"study,omitempty"`
	StudyDay int    `json:"study_day,omitempty"`
	// Recent are the outcomes of the last finished attempts (at most
	// RecentOutcomes), oldest first: correct, incorrect, omission,
	// premature ... (R7, R9, R22).
	Recent []string `json:"recent,omitempty"`
}

// RecentOutcomes is how many of the last outcomes a chamber's live state
// carries.
const RecentOutcomes = 12

// Chambers returns every chamber's live state, by name.
func (s *Supervisor) Chambers() []ChamberStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ChamberStatus, 0, len(s.boxes))
	warning := s.storageWarning()
	for _, b := range s.boxes {
		st := b.status()
		st.StorageWarning = warning
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Chamber returns one chamber's live state.
func (s *Supervisor) Chamber(name string) (ChamberStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.boxes[name]
	if !ok {
		return ChamberStatus{}, fmt.Errorf("chamber %q: %w", name, ErrUnknownChamber)
	}
	st := b.status()
	st.StorageWarning = s.storageWarning()
	return st, nil
}

// storageWarning says why storage is degraded or failing, or is empty.
func (s *Supervisor) storageWarning() string {
	if err := s.w.Err(); err != nil {
		return "storage cannot write: " + err.Error()
	}
	if err := s.w.Degraded(); err != nil {
		return err.Error()
	}
	return ""
}

func (b *box) status() ChamberStatus {
	st := ChamberStatus{Name: b.Name, Backend: b.Backend, State: "idle", Last: b.last}
	r := b.run
	if r == nil {
		switch {
		case b.Disabled:
			st.State = "disabled"
		case b.fault != "":
			st.State, st.Fault = "faulted", b.fault
		}
		return st
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	started := r.started
	sum := r.tally.Summary()
	c, m := sum.Counters, sum.Measures
	st.State, st.SessionID, st.StartedAt = "running", r.id, &started
	st.Subject, st.Condition, st.Protocol = r.plan.Subject, r.plan.Condition, r.plan.Protocol
	st.Phase, st.Attempt, st.Counters, st.Measures = r.state.String(), r.attempt, &c, &m
	st.ElapsedS, st.MaxTrials = r.now.Seconds(), r.plan.Params.MaxTrials
	st.MaxDurationS = time.Duration(r.plan.Params.MaxDuration).Seconds()
	st.Study, st.StudyDay = r.plan.Study, r.plan.StudyDay
	for _, o := range r.recent {
		st.Recent = append(st.Recent, o.String())
	}
	if l := r.log.Load(); l != nil {
		committed := l.Committed()
		st.EventSeq, st.Committed = l.QueuedEvent(), &committed
	}
	if !r.lastInput.IsZero() {
		last := r.lastInput
		st.LastInputAt = &last
	}
	return st
}

// Live returns the live summary of a running session.
func (s *Supervisor) Live(id string) (ChamberStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.boxes {
		if b.run != nil && b.run.id == id {
			st := b.status()
			st.StorageWarning = s.storageWarning()
			return st, true
		}
	}
	return ChamberStatus{}, false
}
