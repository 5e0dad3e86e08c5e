package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// Output is the report of one scenario run, in the scenario format.
type Output struct {
	Name     string              `json:"name"`
	Session  SessionEnd          `json:"session"`
	Trials   []Trial             `json:"trials"`
	Counters protocols.Counters  `json:"counters"`
	Measures protocols.Measures  `json:"measures"`
	Outputs  []Checkpoint        `json:"outputs"`
	Events   []storage.Event     `json:"-"`
	Attempts []protocols.Attempt `json:"-"`
}

// SessionEnd is when and why the session ended; both null when the run
// stopped at end_ms first.
type SessionEnd struct {
	EndedMs   *Ms     `json:"ended_ms"`
	EndReason *string `json:"end_reason"`
}

// A Trial is one attempt's row.
type Trial struct {
	N                  int    `json:"n"`
	Outcome            string `json:"outcome"`
	Target             int    `json:"target"`
	ITIMs              *Ms    `json:"iti_ms"`
	SDMs               *Ms    `json:"sd_ms"`
	ITIStartMs         *Ms    `json:"iti_start_ms"`
	OnsetMs            *Ms    `json:"onset_ms"`
	ResponseHole       *int   `json:"response_hole"`
	ResponseMs         *Ms    `json:"response_ms"`
	ResponseLatencyMs  *Ms    `json:"response_latency_ms"`
	RewardLatencyMs    *Ms    `json:"reward_latency_ms"`
	PrematureLatencyMs *Ms    `json:"premature_latency_ms"`
	PrematureResponses int    `json:"premature_responses"`
	Perseverative      int    `json:"perseverative"`
	TimeoutResponses   int    `json:"timeout_responses"`
}

// A Checkpoint is the outputs at one instant.
type Checkpoint struct {
	TMs           Ms    `json:"t_ms"`
	HouseLight    bool  `json:"house_light"`
	MagazineLight bool  `json:"magazine_light"`
	Stimulus      []int `json:"stimulus"`
}

// Ms is a session time or latency, written in milliseconds: an integer when
// whole, as scenario files write times.
type Ms time.Duration

// MarshalJSON writes whole milliseconds as integers.
func (m Ms) MarshalJSON() ([]byte, error) {
	d := time.Duration(m)
	if d%time.Millisecond == 0 {
		return json.Marshal(int64(d / time.Millisecond))
	}
	return json.Marshal(float64(d) / 1e6)
}

func optMs(d time.Duration) *Ms {
	if d == protocols.None {
		return nil
	}
	m := Ms(d)
	return &m
}

// Run runs the scenario's session and reports it.
func Run(f *File) (*Output, error) {
	p := f.Params.NewSession()
	ch := sim.NewVirtual(f.Script, sim.WithHorizon(f.End))
	rec := &controller.Memory{}
	res, err := controller.Run(context.Background(), controller.Setup{
		Protocol: p, Chamber: ch, Timeline: ch, Recorder: rec,
	})
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return nil, fmt.Errorf("scenario %s: %w", f.Name, res.Err)
	}
	out := &Output{Name: f.Name, Counters: res.Summary.Counters, Measures: res.Summary.Measures, Events: rec.Events()}
	if res.Ended {
		out.Session.EndedMs = optMs(res.At)
		out.Session.EndReason = &res.EndReason
	}
	out.Attempts = slices.Clone(p.Attempts())
	for _, a := range out.Attempts {
		out.Trials = append(out.Trials, trial(a))
	}
	out.Outputs = checkpoints(f.Checkpoints, rec.Events())
	return out, nil
}

func trial(a protocols.Attempt) Trial {
	o := a.Outcome
	if o == protocols.Pending { // the run stopped before it had an outcome
		o = protocols.Unfinished
	}
	t := Trial{
		N: a.N, Outcome: o.String(), Target: a.Target,
		ITIMs: optMs(a.ITI), SDMs: optMs(a.SD), ITIStartMs: optMs(a.ITIStart), OnsetMs: optMs(a.Onset),
		ResponseMs:         optMs(a.Response),
		ResponseLatencyMs:  optMs(a.ResponseLatency()),
		RewardLatencyMs:    optMs(a.RewardLatency()),
		PrematureLatencyMs: optMs(a.PrematureLatency()),
		PrematureResponses: a.Premature,
		Perseverative:      a.Perseverative,
		TimeoutResponses:   a.TimeoutResponses,
	}
	if a.ResponseHole != 0 {
		h := a.ResponseHole
		t.ResponseHole = &h
	}
	return t
}

// checkpoints replays the output changes to find the outputs at each
// checkpoint, after everything due at that instant.
func checkpoints(at []time.Duration, events []storage.Event) []Checkpoint {
	out := []Checkpoint{}
	for _, t := range at {
		var lit [hardware.Pellet + 1]bool
		for _, e := range events {
			if e.IsInput() || e.Output >= hardware.Pellet { // the pellet, the sync line: no level to show
				continue
			}
			if e.At > t {
				break
			}
			lit[e.Output] = e.On
		}
		c := Checkpoint{TMs: Ms(t), HouseLight: lit[hardware.HouseLight], MagazineLight: lit[hardware.MagazineLight], Stimulus: []int{}}
		for h := 1; h <= hardware.MaxHoles; h++ {
			if lit[hardware.Stimulus(h)] {
				c.Stimulus = append(c.Stimulus, h)
			}
		}
		out = append(out, c)
	}
	return out
}
