package controller

import (
	"context"

	"github.com/fivechoice/fivechoice/storage"
)

// A Course is one rat's training as recorded: the sessions it spent at
// each stage of its programme (every session that ended, counted or not,
// excluded ones left out), and whether it reached a stable baseline.
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
		}
		hist, err := d.StageHistory(ctx, st.Subject)
		if err != nil {
			return nil, err
		}
		for _, h := range hist {
			if h.Action == "advance" && h.From == h.To {
				continue // sessions after a stable baseline are not training
			}
			i, ok := index[h.To]
			if !ok { // a stage of another programme version
				continue
			}
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
		day, err := LoadTraining(ctx, d, st.Subject)
		if err != nil {
			return nil, err
		}
		c.Done = day.status().Stable
		out = append(out, c)
	}
	return out, nil
}
