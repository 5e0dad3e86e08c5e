package controller

import (
	"context"
	"math"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/training"
	"github.com/fivechoice/fivechoice/training/curves"
)

// A Course is one rat's training as recorded: the sessions it spent at
// each stage of its programme (every session that ended, counted or not,
// excluded ones left out; -1 for a stage it never was at, such as those
// before the stage it was enrolled at), and whether it ever reached a
// stable baseline (a rat moved back by hand afterwards still did).
type Course struct {
	Subject   string
	Programme string
	Version   int
	Stages    []string
	PerStage  []int
	Current   string // where it is now
	Done      bool
}

// Courses is every enrolled rat's course, from its stage history: the
// table of sessions to criterion a methods section reports.
func Courses(ctx context.Context, d *storage.DB) ([]Course, error) {
	states, err := d.Stages(ctx)
	if err != nil {
		return nil, err
	}
	var out []Course
	for _, st := range states {
		prog, err := StoredProgramme(ctx, d, st.Programme, st.Version)
		if err != nil {
			return nil, err
		}
		c := Course{Subject: st.Subject, Programme: st.Programme, Version: st.Version, Current: st.To, PerStage: make([]int, len(prog.Stages))}
		index := map[string]int{}
		for i, s := range prog.Stages {
			c.Stages = append(c.Stages, s.Name)
			index[s.Name] = i
			c.PerStage[i] = -1
		}
		last := prog.Stages[len(prog.Stages)-1].Name
		hist, err := d.StageHistory(ctx, st.Subject)
		if err != nil {
			return nil, err
		}
		for _, h := range hist {
			if h.Action == "advance" && h.From == last && h.To == last {
				c.Done = true
				continue // sessions after a stable baseline are not training
			}
			i, ok := index[h.To]
			if !ok || h.Programme != st.Programme { // a stage of another programme
				continue
			}
			c.PerStage[i] = max(c.PerStage[i], 0)
			under, err := d.SessionsUnder(ctx, h.ID)
			if err != nil {
				return nil, err
			}
			for _, s := range under {
				if s.Status == storage.StatusEnded {
					c.PerStage[i]++
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// LearningCurve is a rat's training sessions in order, as curves.Plot
// draws them: every ended training session (excluded ones left out), its
// stage, its accuracy, omissions and correct trials (undefined for
// magazine training, whose trials are pellets).
func LearningCurve(ctx context.Context, d *storage.DB, subject string) (curves.Rat, error) {
	r := curves.Rat{Subject: subject}
	hist, err := d.StageHistory(ctx, subject)
	if err != nil {
		return r, err
	}
	stage := map[int64]string{}
	for _, h := range hist {
		stage[h.ID] = h.To
	}
	sessions, err := d.Sessions(ctx, storage.Filter{Subject: subject, Status: storage.StatusEnded, Included: true})
	if err != nil {
		return r, err
	}
	for _, s := range sessions {
		if s.TrainingChange == 0 {
			continue
		}
		sum, err := d.Scored(ctx, s.ID)
		if err != nil {
			return r, err
		}
		pt := curves.Point{Stage: stage[s.TrainingChange], Accuracy: math.NaN(), Omissions: math.NaN(), Correct: math.NaN(),
			Counted: training.Session{EndReason: s.EndReason}.Counts()}
		if s.Params.Mode != protocols.ModeMagazine {
			pt.Correct = float64(sum.Counters.Correct)
			if m := sum.Measures.AccuracyPct; m != nil {
				pt.Accuracy = *m
			}
			if m := sum.Measures.OmissionsPct; m != nil {
				pt.Omissions = *m
			}
		}
		r.Points = append(r.Points, pt)
	}
	return r, nil
}
