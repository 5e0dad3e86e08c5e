package simulate

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// PlotPower draws power against the number of rats, one line per test
// (the ANOVA and each condition against the reference), with the usual 80 %
// target dashed, and writes it to dir as power.png (300 dpi) and power.svg.
// It returns the files written.
func PlotPower(p Power, rows []PowerRow, dir string) ([]string, error) {
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("Simulated power: %s, %s protocol, %d studies per size, alpha %.2g", p.Measure, p.Protocol, p.Studies, p.Alpha)
	pl.X.Label.Text = "Rats (each under every condition)"
	pl.Y.Label.Text = "Power (fraction of studies significant)"
	// Room above 100 % for the key, so that it never covers a line; the
	// ticks stop at 1.
	pl.Y.Min, pl.Y.Max = 0, 1.2+0.07*float64(len(p.Conditions))
	pl.Y.Tick.Marker = plot.ConstantTicks(ticks(0, 1, 0.2, "%.1f"))
	pl.Legend.Top, pl.Legend.Left = true, true
	pl.Legend.XOffs = vg.Points(8)
	sizes := make([]float64, len(rows))
	for i, r := range rows {
		sizes[i] = float64(r.Subjects)
	}
	pl.X.Tick.Marker = plot.ConstantTicks(labelled(sizes))
	pl.Add(plotter.NewGrid())
	target := plotter.NewFunction(func(float64) float64 { return 0.8 })
	target.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	target.Color = color.Gray{Y: 120}
	pl.Add(target)
	pl.Legend.Add("80 % target", target)
	series := []struct {
		name string
		y    func(PowerRow) float64
	}{{"ANOVA (condition)", func(r PowerRow) float64 { return r.ANOVA }}}
	for i, c := range p.Conditions[1:] {
		series = append(series, struct {
			name string
			y    func(PowerRow) float64
		}{c.ID + " vs " + p.Conditions[0].ID + " (Holm)", func(r PowerRow) float64 { return r.VsRef[i] }})
	}
	for i, s := range series {
		pts := make(plotter.XYs, len(rows))
		for j, r := range rows {
			pts[j] = plotter.XY{X: float64(r.Subjects), Y: s.y(r)}
		}
		line, marks, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		line.Color, marks.Color = plotutil.Color(i), plotutil.Color(i)
		line.Width = vg.Points(1.5)
		marks.Shape = plotutil.Shape(i)
		if i == 0 {
			line.Width = vg.Points(2.5)
		}
		pl.Add(line, marks)
		pl.Legend.Add(s.name, line, marks)
	}
	pl.X.Min = float64(rows[0].Subjects) - 1
	pl.X.Max = float64(rows[len(rows)-1].Subjects) + 1
	width, height := 7*vg.Inch, 5*vg.Inch
	png := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(300))
	svg := vgsvg.New(width, height)
	var files []string
	for _, out := range []struct {
		name string
		c    vg.CanvasWriterTo
	}{{"power.png", vgimg.PngCanvas{Canvas: png}}, {"power.svg", svg}} {
		pl.Draw(draw.New(out.c))
		path := filepath.Join(dir, out.name)
		f, err := os.Create(path)
		if err != nil {
			return files, err
		}
		if _, err := out.c.WriteTo(f); err != nil {
			f.Close()
			return files, fmt.Errorf("%s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return files, err
		}
		files = append(files, path)
	}
	return files, nil
}

func ticks(lo, hi, step float64, format string) []plot.Tick {
	var out []plot.Tick
	for v := lo; v <= hi+step/2; v += step {
		out = append(out, plot.Tick{Value: v, Label: fmt.Sprintf(format, v)})
	}
	return out
}

func labelled(vs []float64) []plot.Tick {
	out := make([]plot.Tick, len(vs))
	for i, v := range vs {
		out[i] = plot.Tick{Value: v, Label: fmt.Sprintf("%g", v)}
	}
	return out
}
