package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Plots draws one dose-response figure per measure into dir, as PNG and
// SVG: each condition's mean with SEM bars, in the study's order (vehicle
// first, then by dose), and returns the files written.
func (r Report) Plots(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, m := range r.Measures {
		p, err := r.plot(m)
		if err != nil {
			return files, fmt.Errorf("plot %s: %w", m.Key, err)
		}
		for _, ext := range []string{"png", "svg"} {
			name := filepath.Join(dir, fmt.Sprintf("%s-%s.%s", safe(r.Study), m.Key, ext))
			if err := p.Save(12*vg.Centimeter, 9*vg.Centimeter, name); err != nil {
				return files, fmt.Errorf("plot %s: %w", m.Key, err)
			}
			files = append(files, name)
		}
	}
	return files, nil
}

func (r Report) plot(m MeasureReport) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = m.Name
	xLabel, tickLabel := r.axis()
	p.X.Label.Text = xLabel
	p.Y.Label.Text = m.Name
	var pts plotter.XYs
	var errs plotter.YErrors
	var ticks []plot.Tick
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, c := range m.Cells {
		x := float64(i)
		ticks = append(ticks, plot.Tick{Value: x, Label: tickLabel(i)})
		if math.IsNaN(c.Mean) {
			continue
		}
		sem := c.SEM
		if math.IsNaN(sem) {
			sem = 0
		}
		pts = append(pts, plotter.XY{X: x, Y: c.Mean})
		errs = append(errs, struct{ Low, High float64 }{sem, sem})
		lo, hi = math.Min(lo, c.Mean-sem), math.Max(hi, c.Mean+sem)
	}
	if len(pts) > 0 {
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		points.Radius = vg.Points(3)
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{pts, errs})
		if err != nil {
			return nil, err
		}
		bars.CapWidth = vg.Points(6)
		p.Add(line, points, bars)
		pad := (hi - lo) * 0.15
		if pad == 0 {
			pad = math.Max(1, math.Abs(hi)*0.1)
		}
		p.Y.Min, p.Y.Max = math.Max(0, lo-pad), hi+pad
		if lo-pad < 0 && lo < 0 {
			p.Y.Min = lo - pad
		}
	}
	p.X.Min, p.X.Max = -0.5, float64(len(m.Cells))-0.5
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Add(plotter.NewGrid())
	return p, nil
}

// axis names the x axis and its ticks: doses of one drug, vehicle first,
// when the study compares doses of one drug with its vehicle; the
// conditions' labels otherwise (and always while blinded).
func (r Report) axis() (string, func(int) string) {
	byLabel := func(i int) string { return r.Conditions[i].Label }
	if r.Blinded || len(r.Conditions) < 2 {
		return "condition", byLabel
	}
	drug := ""
	for _, c := range r.Conditions[1:] {
		if c.Dose == nil || (drug != "" && c.Drug != drug) {
			return "condition", byLabel
		}
		drug = c.Drug
	}
	return drug + " (mg/kg)", func(i int) string {
		if i == 0 {
			return r.Conditions[0].Label
		}
		return strconv.FormatFloat(*r.Conditions[i].Dose, 'g', -1, 64)
	}
}

func safe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == '\\' {
			return '_'
		}
		return r
	}, s)
}
