package httpapi

import (
	"encoding/json"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// sessionView is a session as the API shows it: its record, and its
// measures (live while it runs, from the database's session_measures view
// once it has ended).
type sessionView struct {
	ID        string            `json:"id"`
	Status    string            `json:"status"` // running, ended or interrupted
	Chamber   string            `json:"chamber"`
	Backend   string            `json:"backend,omitempty"`
	Subject   string            `json:"subject"`
	Condition string            `json:"condition"`
	Protocol  string            `json:"protocol"`
	Seed      uint64            `json:"seed"`
	Params    *protocols.Params `json:"params,omitempty"`
	Version   string            `json:"software_version,omitempty"`
	Host      string            `json:"host,omitempty"`
	StartedAt *time.Time        `json:"started_at,omitempty"`
	EndedAt   *time.Time        `json:"ended_at,omitempty"`
	// EndedAfterS is the session time of the end, in seconds.
	EndedAfterS *float64 `json:"ended_after_s,omitempty"`
	EndReason   string   `json:"end_reason,omitempty"`
	Error       string   `json:"error,omitempty"`
	Study       string   `json:"study,omitempty"`
	StudyDay    int      `json:"study_day,omitempty"`

	// While running: where the session is (live), and how far its record
	// is committed (what a crash or power cut now would keep).
	Phase          string             `json:"phase,omitempty"`
	Attempt        int                `json:"attempt,omitempty"`
	EventSeq       uint64             `json:"event_seq,omitempty"`
	Committed      *storage.Committed `json:"committed,omitempty"`
	StorageWarning string             `json:"storage_warning,omitempty"`

	Counters *protocols.Counters `json:"counters,omitempty"`
	Measures *protocols.Measures `json:"measures,omitempty"`
	// Timing is how late the timer-driven transitions were (nanoseconds),
	// stored at the end of a real-time session.
	Timing   json.RawMessage `json:"timing,omitempty"`
	Attempts []attemptView   `json:"attempts,omitempty"`
	// AttemptsNext is the attempts_after value of the next page, when the
	// page ended before the session's last stored attempt.
	AttemptsNext int `json:"attempts_next,omitempty"`
}

func storedView(s storage.SessionRecord) sessionView {
	v := sessionView{ID: s.ID, Status: s.Status, Chamber: s.Chamber, Backend: s.Backend, Subject: s.Subject,
		Condition: s.Condition, Protocol: s.Protocol, Seed: s.Seed, Params: &s.Params, Version: s.Version, Host: s.Host,
		EndReason: s.EndReason, Error: s.Error, Study: s.Study, StudyDay: s.StudyDay, Timing: s.Timing}
	if !s.StartedAt.IsZero() {
		v.StartedAt = &s.StartedAt
	}
	if !s.EndedAt.IsZero() {
		v.EndedAt = &s.EndedAt
		secs := s.Ended.Seconds()
		v.EndedAfterS = &secs
	}
	return v
}

// planView shows a session that has started but is not in the database
// yet.
func planView(p controller.Plan) sessionView {
	params := p.Params
	return sessionView{ID: p.ID, Status: storage.StatusRunning, Chamber: p.Chamber, Backend: p.Backend, Subject: p.Subject,
		Condition: p.Condition, Protocol: p.Protocol, Seed: p.Params.Seed, Params: &params, Version: p.Version}
}

// live fills in a running session's live state.
func (v *sessionView) live(st controller.ChamberStatus) {
	v.Status, v.Phase, v.Attempt = storage.StatusRunning, st.Phase, st.Attempt
	v.EventSeq, v.Committed, v.StorageWarning = st.EventSeq, st.Committed, st.StorageWarning
	v.Counters, v.Measures = st.Counters, st.Measures
	if v.Backend == "" {
		v.Backend = st.Backend
	}
	if v.StartedAt == nil {
		v.StartedAt = st.StartedAt
	}
}

// attemptView is one attempt, times in milliseconds of session time; null
// where a time does not apply.
type attemptView struct {
	N                 int      `json:"n"`
	Outcome           string   `json:"outcome"`
	Target            int      `json:"target"`
	ITIMs             float64  `json:"iti_ms"`
	SDMs              float64  `json:"sd_ms"`
	ITIStartMs        *float64 `json:"iti_start_ms"`
	OnsetMs           *float64 `json:"onset_ms"`
	ResponseHole      int      `json:"response_hole,omitempty"`
	ResponseMs        *float64 `json:"response_ms"`
	CollectionMs      *float64 `json:"collection_ms"`
	FirstPrematureMs  *float64 `json:"first_premature_ms"`
	Premature         int      `json:"premature"`
	Perseverative     int      `json:"perseverative"`
	TimeoutResponses  int      `json:"timeout_responses"`
	ResponseLatencyMs *float64 `json:"response_latency_ms"`
	RewardLatencyMs   *float64 `json:"reward_latency_ms"`
}

func ms(d time.Duration) *float64 {
	if d == protocols.None {
		return nil
	}
	v := float64(d) / float64(time.Millisecond)
	return &v
}

func attemptViews(as []protocols.Attempt) []attemptView {
	out := make([]attemptView, len(as))
	for i, a := range as {
		out[i] = attemptView{N: a.N, Outcome: a.Outcome.String(), Target: a.Target,
			ITIMs: *ms(a.ITI), SDMs: *ms(a.SD), ITIStartMs: ms(a.ITIStart), OnsetMs: ms(a.Onset),
			ResponseHole: a.ResponseHole, ResponseMs: ms(a.Response), CollectionMs: ms(a.Collection),
			FirstPrematureMs: ms(a.FirstPremature), Premature: a.Premature, Perseverative: a.Perseverative,
			TimeoutResponses: a.TimeoutResponses, ResponseLatencyMs: ms(a.ResponseLatency()), RewardLatencyMs: ms(a.RewardLatency())}
	}
	return out
}
