package web

import (
	"net/http"
	"slices"
)

// gridData is the chamber grid page: the tiles, and the lists the start
// form chooses from (never free text: a typo must not start a session).
type gridData struct {
	Tiles       []Tile
	Subjects    []string
	Protocols   []string
	Conditions  []string
	Studies     []studyChoice
	Trainees    []trainee // rats in training, with their stage
	NoResponseS int
}

// trainee is a rat in training the start form offers: its session is
// at the stage its state gives (the daemon chooses, not the form).
type trainee struct{ Subject, Stage string }

// studyChoice is a study the start form offers, with its subjects.
type studyChoice struct {
	Name     string
	Blind    bool
	Subjects []string
}

// Grid serves GET /: one tile per chamber, live through Stream.
func (p *Pages) Grid(w http.ResponseWriter, r *http.Request) {
	d, err := p.choices(r)
	if err != nil {
		p.internal(w, r, err)
		return
	}
	d.NoResponseS = int(p.noResponse.Seconds())
	for _, st := range p.sup.Chambers() {
		d.Tiles = append(d.Tiles, tileOf(st))
	}
	p.render(w, http.StatusOK, "grid", view{Title: "Chambers", Nav: "grid", LoggedIn: true, Data: d})
}

// choices are the lists a start form chooses from: subjects, protocols,
// conditions (not a blind study's codes) and studies with their rats.
func (p *Pages) choices(r *http.Request) (gridData, error) {
	ctx := r.Context()
	var d gridData
	names, err := p.db.SetNames(ctx) // built in, then the lab's own sets
	if err != nil {
		return d, err
	}
	d.Protocols = names
	subjects, err := p.db.Subjects(ctx)
	if err != nil {
		return d, err
	}
	for _, s := range subjects {
		d.Subjects = append(d.Subjects, s.ID)
	}
	conditions, err := p.db.Conditions(ctx)
	if err != nil {
		return d, err
	}
	for _, c := range conditions {
		// A blind study's codes are chosen by the study, never by hand.
		if !slices.Contains([]byte(c.ID), '/') {
			d.Conditions = append(d.Conditions, c.ID)
		}
	}
	studies, err := p.db.Studies(ctx)
	if err != nil {
		return d, err
	}
	for _, s := range studies {
		d.Studies = append(d.Studies, studyChoice{Name: s.Name, Blind: s.Blind && s.UnblindedAt == nil, Subjects: s.Subjects})
	}
	stages, err := p.db.Stages(ctx) // one query: each rat's latest change
	if err != nil {
		return d, err
	}
	for _, c := range stages {
		d.Trainees = append(d.Trainees, trainee{c.Subject, c.To})
	}
	return d, nil
}
