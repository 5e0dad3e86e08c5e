package main

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dashboard is what the tests read of the Grafana dashboard's JSON.
type dashboard struct {
	UID        string
	Templating struct {
		List []struct {
			Name, Type, Definition string
			Multi, IncludeAll      bool
		}
	}
	Panels []dashPanel
}

type dashPanel struct {
	ID        int
	Type      string
	Title     string
	Repeat    string
	Collapsed bool
	GridPos   struct{ H, W, X, Y int }
	Targets   []struct {
		Expr, RefID string
	}
	Panels []dashPanel // a collapsed row's own panels

	repeated bool // in a row repeated for each chamber
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return d
}

// panels returns every panel that draws something, rows' panels included,
// each marked if it is in a row repeated for each chamber. The panels of
// an expanded row follow it at the top level; a collapsed row holds its
// own.
func (d dashboard) panels() []dashPanel {
	var out []dashPanel
	repeated := false
	for _, p := range d.Panels {
		if p.Type == "row" {
			repeated = p.Repeat == "chamber"
			for _, q := range p.Panels {
				q.repeated = repeated
				out = append(out, q)
			}
			continue
		}
		p.repeated = repeated
		out = append(out, p)
	}
	return out
}

// metricName finds the metric names in a PromQL expression: the project's
// own and the process collector's.
var metricName = regexp.MustCompile(`\b(?:fivechoice|process|go)_[a-z0-9_]+\b`)

// TestDashboardShape checks what Grafana needs of the dashboard for a lab
// with many chambers, without a server: a chamber variable (multi-select,
// All) and a row repeated for it, unique panel ids, panels inside the 24
// columns, every target with an expression and a refId unique in its
// panel, and every expression that filters a fivechoice series by chamber
// doing so with the variable.
func TestDashboardShape(t *testing.T) {
	d := readDashboard(t)
	if d.UID != "fivechoice" {
		t.Errorf("uid %q, want fivechoice (the provisioning and docs name it)", d.UID)
	}
	i := slices.IndexFunc(d.Templating.List, func(v struct {
		Name, Type, Definition string
		Multi, IncludeAll      bool
	}) bool {
		return v.Name == "chamber"
	})
	if i < 0 || !d.Templating.List[i].Multi || !d.Templating.List[i].IncludeAll {
		t.Errorf("no multi-select chamber variable with All: %+v", d.Templating.List)
	}
	if !slices.ContainsFunc(d.Panels, func(p dashPanel) bool { return p.Type == "row" && p.Repeat == "chamber" && len(p.Panels) > 0 }) {
		t.Error("no row repeated for each chamber")
	}
	ids := map[int]string{}
	all := slices.Clone(d.Panels)
	for _, p := range d.Panels {
		all = append(all, p.Panels...)
	}
	for _, p := range all {
		if prev, dup := ids[p.ID]; dup || p.ID == 0 {
			t.Errorf("panel %q: id %d (also %q)", p.Title, p.ID, prev)
		}
		ids[p.ID] = p.Title
		if g := p.GridPos; g.W < 1 || g.H < 1 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24 columns", p.Title, g)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" || tg.RefID == "" || refs[tg.RefID] {
				t.Errorf("panel %q: target %+v without an expression or with a missing or repeated refId", p.Title, tg)
			}
			refs[tg.RefID] = true
			if strings.Contains(tg.Expr, "chamber=") && !strings.Contains(tg.Expr, `chamber=~"$chamber"`) {
				t.Errorf("panel %q: %s filters chambers without the variable", p.Title, tg.Expr)
			}
		}
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q draws nothing", p.Title)
		}
	}
}
