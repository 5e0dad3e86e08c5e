package report

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours of the Okabe & Ito (2008) palette, which readers with colour
// vision deficiency tell apart: vehicle black, then one colour per drug.
var (
	vehicleColour color.Color = color.Black
	drugColours               = []color.Color{
		color.RGBA{0x00, 0x72, 0xB2, 0xFF}, // blue
		color.RGBA{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
		color.RGBA{0x00, 0x9E, 0x73, 0xFF}, // bluish green
		color.RGBA{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
		color.RGBA{0xE6, 0x9F, 0x00, 0xFF}, // orange
	}
	ratColour = color.RGBA{0xA8, 0xA8, 0xA8, 0xFF}
)

// textStyle is Liberation Sans (metrically Arial, which journals ask for)
// at size points. Never bold: gonum's PDF backend registers a bold face
// under the regular style and then fails to find it ("undefined font").
func textStyle(size float64) text.Style {
	f := font.Font{Typeface: "Liberation", Variant: "Sans"}
	return text.Style{Color: color.Black, Font: font.From(f, vg.Length(size)), Handler: plot.DefaultTextHandler,
		XAlign: draw.XLeft, YAlign: draw.YBottom}
}

// panel draws one measure for one group of conditions.
func (r Report) panel(m MeasureReport, g group, index int, opt FigureOptions) (*plot.Plot, error) {
	p := plot.New()
	styleAxes(p)
	p.Y.Label.Text = m.Name
	xs, ticks, xlabel, isLog := r.positions(g, opt, m)
	p.X.Label.Text = xlabel
	var colour color.Color = vehicleColour
	if g.drug != "" {
		colour = drugColours[index%len(drugColours)]
	}
	top := math.Inf(-1)
	if err := addRats(p, m, g, xs, &top); err != nil {
		return nil, err
	}
	if err := addMeans(p, m, g, xs, colour, opt.ErrorBars, &top); err != nil {
		return nil, err
	}
	starTop, err := addStars(p, r, m, g, xs, top, colour)
	if err != nil {
		return nil, err
	}
	setYRange(p, m, top, starTop)
	lo, hi := xs[0], xs[len(xs)-1]
	pad := 0.5
	if isLog {
		pad = 0.35 * math.Max(hi-lo, 1) / float64(len(xs))
		p.Add(breakMark{x: (xs[0] + xs[1]) / 2})
	}
	p.X.Min, p.X.Max = lo-pad, hi+pad
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	return p, nil
}

// styleAxes sets every text of the panel in Liberation Sans at the
// sizes a printed figure 85 mm wide needs (7.5 to 8.5 pt), with thin axes
// and short ticks; alignments stay gonum's.
func styleAxes(p *plot.Plot) {
	p.Title.TextStyle.Font = textStyle(8.5).Font
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = textStyle(8.5).Font
		a.Tick.Label.Font = textStyle(7.5).Font
		a.LineStyle.Width = vg.Points(0.75)
		a.Tick.LineStyle.Width = vg.Points(0.75)
		a.Tick.Length = vg.Points(4)
		a.Label.Padding = vg.Points(3)
	}
	p.Y.Tick.Marker = plainTicks{}
}

// plainTicks label 4 to 7 ticks at round steps (1, 2, 2.5 or 5 times a
// power of ten) as plain numbers (25, 0.5), with an unlabelled minor tick
// halfway between: gonum's default labels as few as two and prints 25.00.
type plainTicks struct{}

func (plainTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		return []plot.Tick{{Value: min, Label: strconv.FormatFloat(min, 'g', -1, 64)}}
	}
	raw := (max - min) / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []plot.Tick
	for i := math.Ceil(min / step); i*step <= max+step*1e-9; i++ {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(i*step, 'g', 10, 64), 64)
		if v == 0 {
			v = 0 // not −0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
		if half := v + step/2; half <= max {
			ticks = append(ticks, plot.Tick{Value: half})
		}
	}
	return ticks
}

// positions are the x coordinates of the group's conditions, their tick
// labels (with n), the axis label, and whether the axis is logarithmic.
func (r Report) positions(g group, opt FigureOptions, m MeasureReport) ([]float64, []plot.Tick, string, bool) {
	xs := make([]float64, len(g.cols))
	ticks := make([]plot.Tick, len(g.cols))
	xlabel := "condition"
	if r.Blinded {
		xlabel = "condition (blind code)"
	}
	if g.drug != "" {
		xlabel = g.drug + " (mg/kg)"
	}
	logAxis := opt.DoseAxis == LogDoses && g.drug != ""
	for _, j := range g.cols[1:] {
		if d := r.Conditions[j].Dose; d == nil || *d <= 0 {
			logAxis = false // a dose of 0 has no logarithm: fall back to categories
		}
	}
	if logAxis {
		// Vehicle one step (at least half a decade) left of the lowest dose.
		lo := math.Log10(*r.Conditions[g.cols[1]].Dose)
		hi := math.Log10(*r.Conditions[g.cols[len(g.cols)-1]].Dose)
		xs[0] = lo - math.Max(0.5, (hi-lo)/float64(max(len(g.cols)-2, 1)))
		xlabel += ", log scale"
	}
	for k, j := range g.cols {
		c := r.Conditions[j]
		name := c.Label
		switch {
		case logAxis && k > 0:
			xs[k] = math.Log10(*c.Dose)
			name = strconv.FormatFloat(*c.Dose, 'g', -1, 64)
		case !logAxis:
			xs[k] = float64(k)
			if g.drug != "" && k > 0 {
				name = strconv.FormatFloat(*c.Dose, 'g', -1, 64)
			}
		}
		ticks[k] = plot.Tick{Value: xs[k], Label: fmt.Sprintf("%s\nn=%d", name, m.All[j].N)}
	}
	return xs, ticks, xlabel, logAxis
}

// addRats draws each rat's values as small grey points joined by light
// lines; a missing value breaks the line rather than bridging it. Rats are
// spread a little sideways, each by the same amount under every condition,
// so that equal values stay visible.
func addRats(p *plot.Plot, m MeasureReport, g group, xs []float64, top *float64) error {
	step := spacing(xs) * 0.035
	for i, row := range m.Data {
		off := float64(i%7-3) * step
		var seg plotter.XYs
		flush := func() error {
			if len(seg) > 1 {
				l, err := plotter.NewLine(seg)
				if err != nil {
					return err
				}
				l.Color, l.Width = ratColour, vg.Points(0.5)
				p.Add(flat{l})
			}
			seg = nil
			return nil
		}
		for k, j := range g.cols {
			v := row[j]
			if math.IsNaN(v) {
				if err := flush(); err != nil {
					return err
				}
				continue
			}
			*top = math.Max(*top, v)
			seg = append(seg, plotter.XY{X: xs[k] + off, Y: v})
			s, err := plotter.NewScatter(plotter.XYs{{X: xs[k] + off, Y: v}})
			if err != nil {
				return err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: ratColour, Radius: vg.Points(1.4), Shape: draw.CircleGlyph{}}
			p.Add(flat{s})
		}
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}

// spacing is the smallest gap between neighbouring x positions.
func spacing(xs []float64) float64 {
	s := math.Inf(1)
	for i := 1; i < len(xs); i++ {
		s = math.Min(s, xs[i]-xs[i-1])
	}
	if math.IsInf(s, 1) {
		return 1
	}
	return s
}

// addMeans draws each condition's mean with its error bar; within a drug
// the means are joined by a line in the drug's colour, starting from
// vehicle. Without a drug (codes, or conditions that are not doses) the
// means are not joined.
func addMeans(p *plot.Plot, m MeasureReport, g group, xs []float64, colour color.Color, bars ErrorBars, top *float64) error {
	var pts plotter.XYs
	var errs []float64
	var fills []color.Color
	for k, j := range g.cols {
		c := m.All[j]
		if math.IsNaN(c.Mean) {
			continue
		}
		e := c.SEM
		if bars == CI95Bars {
			e = c.CI95
		}
		if math.IsNaN(e) {
			e = 0
		}
		fill := colour
		if j == 0 && g.drug != "" {
			fill = vehicleColour
		}
		fills = append(fills, fill)
		pts = append(pts, plotter.XY{X: xs[k], Y: c.Mean})
		errs = append(errs, e)
		*top = math.Max(*top, c.Mean+e)
	}
	if len(pts) == 0 {
		return nil
	}
	if g.drug != "" && len(pts) > 1 {
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color, l.Width = colour, vg.Points(1.5)
		p.Add(flat{l})
	}
	p.Add(errorBars{pts: pts, errs: errs, floor: 0})
	for k, pt := range pts {
		s, err := plotter.NewScatter(plotter.XYs{pt})
		if err != nil {
			return err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: fills[k], Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}}
		p.Add(flat{s})
	}
	return nil
}

// errorBars draw mean ± error as vertical bars with caps. A bar that
// would go below floor (a mean − CI below zero for a count) stops at the
// axis without a cap, so that it neither stretches the axis below zero
// nor pretends to end there.
type errorBars struct {
	pts   plotter.XYs
	errs  []float64
	floor float64
}

func (e errorBars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	sty := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	capW := vg.Points(2.5)
	for i, pt := range e.pts {
		if e.errs[i] == 0 {
			continue
		}
		x := trX(pt.X)
		lo, hi := pt.Y-e.errs[i], pt.Y+e.errs[i]
		clipped := lo < e.floor
		if clipped {
			lo = e.floor
		}
		ylo, yhi := trY(lo), trY(hi)
		c.StrokeLine2(sty, x, ylo, x, yhi)
		c.StrokeLine2(sty, x-capW, yhi, x+capW, yhi)
		if !clipped {
			c.StrokeLine2(sty, x-capW, ylo, x+capW, ylo)
		}
	}
}

// flat hides a plotter's glyph boxes and data range. gonum shrinks a
// panel's data area so that no glyph sticks out of it, by an amount that
// depends on the data (a point at zero, a star), which would leave panels
// side by side with their axes at different heights; the ranges are set
// explicitly instead, and the axis padding leaves room for the glyphs.
type flat struct{ plot.Plotter }
