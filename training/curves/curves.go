// Package curves draws a rat's learning curves from its training
// sessions: accuracy, omissions and correct trials session by session,
// with each stage marked, as PNG and SVG for a paper or a lab meeting.
package curves

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// A Point is one training session. Undefined values (no trial to make a
// percentage of, a magazine-training session's task measures) are NaN and
// leave a gap.
type Point struct {
	Stage     string
	Accuracy  float64 // %
	Omissions float64 // % of scored trials
	Correct   float64 // correct trials
	Counted   bool    // ended by itself (stopped or aborted sessions are drawn hollow)
}

// A Rat is one rat's training sessions in order.
type Rat struct {
	Subject string
	Points  []Point
}

// Formats are the file formats Plot writes.
var Formats = []string{"png", "svg"}

// Plot writes the rat's learning curves to dir as learning-SUBJECT.png
// (at dpi) and .svg, and returns the files written.
func Plot(r Rat, dir string, dpi int) ([]string, error) {
	if len(r.Points) == 0 {
		return nil, fmt.Errorf("rat %s: no training session to draw", r.Subject)
	}
	if dpi < 72 || dpi > 1200 {
		return nil, fmt.Errorf("dpi %d: want 72 to 1200", dpi)
	}
	panels := []struct {
		label string
		y     func(Point) float64
		max   float64
	}{
		{"Accuracy (%)", func(p Point) float64 { return p.Accuracy }, 100},
		{"Omissions (%)", func(p Point) float64 { return p.Omissions }, 100},
		{"Correct trials", func(p Point) float64 { return p.Correct }, math.NaN()},
	}
	plots := make([][]*plot.Plot, len(panels))
	for i, pn := range panels {
		p, err := panel(r, pn.label, pn.y, pn.max, i == 0, i == len(panels)-1)
		if err != nil {
			return nil, err
		}
		plots[i] = []*plot.Plot{p}
	}
	width, height := 7*vg.Inch, 7.5*vg.Inch
	var files []string
	for _, out := range []struct {
		ext string
		c   vg.CanvasWriterTo
	}{
		{"png", vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))}},
		{"svg", vgsvg.New(width, height)},
	} {
		dc := draw.New(out.c)
		tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(10), PadY: vg.Points(6)}
		canvases := plot.Align(plots, tiles, dc)
		for i := range plots {
			plots[i][0].Draw(canvases[i][0])
		}
		path := filepath.Join(dir, "learning-"+r.Subject+"."+out.ext)
		if err := write(path, out.c); err != nil {
			return files, err
		}
		files = append(files, path)
	}
	return files, nil
}

func write(path string, c vg.CanvasWriterTo) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = c.WriteTo(f)
	return errors.Join(err, f.Close())
}

// panel is one measure by session, a dashed line at each stage change,
// the stage names along the top panel.
func panel(r Rat, label string, y func(Point) float64, top float64, first, last bool) (*plot.Plot, error) {
	p := plot.New()
	if first {
		p.Title.Text = "Training of " + r.Subject + " (hollow: a session that did not count)"
	}
	p.Y.Label.Text = label
	if last {
		p.X.Label.Text = "Training session"
	}
	p.X.Min, p.X.Max = 0.5, float64(len(r.Points))+0.5
	p.X.Tick.Marker = sessionTicks(len(r.Points))
	p.Y.Min = 0
	hi := 0.0
	for _, pt := range r.Points {
		if v := y(pt); !math.IsNaN(v) {
			hi = max(hi, v)
		}
	}
	p.Y.Max = top
	if math.IsNaN(top) {
		p.Y.Max = math.Max(10, hi*1.1)
	} else {
		p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 25}, {Value: 50, Label: "50"}, {Value: 75}, {Value: 100, Label: "100"}}
	}
	if first { // room above the data for the stage names
		p.Y.Max *= 1.3
	}
	p.Add(plotter.NewGrid())
	var line plotter.XYs
	var full, hollow plotter.XYs
	for i, pt := range r.Points {
		v := y(pt)
		if math.IsNaN(v) {
			continue
		}
		xy := plotter.XY{X: float64(i + 1), Y: v}
		line = append(line, xy)
		if pt.Counted {
			full = append(full, xy)
		} else {
			hollow = append(hollow, xy)
		}
	}
	if len(line) > 0 {
		l, err := plotter.NewLine(line)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = color.RGBA{R: 31, G: 119, B: 180, A: 255}, vg.Points(1.2)
		p.Add(l)
	}
	for _, s := range []struct {
		pts   plotter.XYs
		shape draw.GlyphDrawer
	}{{full, draw.CircleGlyph{}}, {hollow, draw.RingGlyph{}}} {
		if len(s.pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(s.pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: color.RGBA{R: 31, G: 119, B: 180, A: 255}, Radius: vg.Points(2.2), Shape: s.shape}
		p.Add(sc)
	}
	return p, stages(p, r, first)
}

// stages marks each stage change with a dashed line, and names the
// stages along the top panel.
func stages(p *plot.Plot, r Rat, named bool) error {
	var labels plotter.XYLabels
	for i, pt := range r.Points {
		if i > 0 && pt.Stage == r.Points[i-1].Stage {
			continue
		}
		x := float64(i) + 0.5
		if i > 0 {
			edge, err := plotter.NewLine(plotter.XYs{{X: x, Y: p.Y.Min}, {X: x, Y: p.Y.Max}})
			if err != nil {
				return err
			}
			edge.Color, edge.Dashes = color.Gray{Y: 110}, []vg.Length{vg.Points(3), vg.Points(2)}
			p.Add(edge)
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: x + 0.15, Y: p.Y.Max * 0.99})
		labels.Labels = append(labels.Labels, pt.Stage)
	}
	if !named {
		return nil
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Rotation = -math.Pi / 2
		l.TextStyle[i].Font.Size = vg.Points(7)
		l.TextStyle[i].Color = color.Gray{Y: 60}
	}
	p.Add(l)
	return nil
}

// sessionTicks labels sessions 1, 5, 10, 15 ... (10, 20 ... past 60).
func sessionTicks(n int) plot.ConstantTicks {
	step := 5
	if n > 60 {
		step = 10
	}
	ticks := plot.ConstantTicks{{Value: 1, Label: "1"}}
	for v := step; v <= n; v += step {
		ticks = append(ticks, plot.Tick{Value: float64(v), Label: fmt.Sprint(v)})
	}
	return ticks
}
