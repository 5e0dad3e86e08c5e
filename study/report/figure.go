package report

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure text is kept to Windows-1252 characters (± but no √ or ε):
// gonum's PDF backend declares its fonts in that encoding (WinAnsi).

// stars marks a Holm-adjusted p: *** below .001, ** below .01, * below
// .05, "" otherwise.
func stars(p float64) string {
	switch {
	case math.IsNaN(p) || p >= 0.05:
		return ""
	case p < 0.001:
		return "***"
	case p < 0.01:
		return "**"
	}
	return "*"
}

// addStars writes the marks of the group's comparisons with vehicle in a
// row above the data, in the drug's colour, and returns the height they
// need (NaN when there are none).
func addStars(p *plot.Plot, r Report, m MeasureReport, g group, xs []float64, top float64, colour color.Color) (float64, error) {
	if math.IsInf(top, -1) {
		return math.NaN(), nil
	}
	y := top + 0.06*math.Max(top, 1)
	var xy plotter.XYs
	var labels []string
	for k, j := range g.cols[1:] {
		for _, c := range m.Comparisons {
			if c.Condition == r.Conditions[j].Label && c.Ran {
				if s := stars(c.Test.PHolm); s != "" {
					xy = append(xy, plotter.XY{X: xs[k+1], Y: y})
					labels = append(labels, s)
				}
			}
		}
	}
	if len(xy) == 0 {
		return math.NaN(), nil
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: labels})
	if err != nil {
		return 0, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i] = textStyle(10)
		l.TextStyle[i].Color = colour
		l.TextStyle[i].XAlign = draw.XCenter
	}
	p.Add(flat{l})
	return y + 0.08*math.Max(top, 1), nil
}

// setYRange starts every axis at zero (counts, percentages and latencies
// are ratio scales, and a truncated axis exaggerates effects) and ends it
// a little above the data and the stars; a percentage axis labels nothing
// above 100.
func setYRange(p *plot.Plot, m MeasureReport, top, starTop float64) {
	lo := 0.0 // every measure of the report is ≥ 0
	hi := top * 1.08
	if !math.IsNaN(starTop) {
		hi = math.Max(hi, starTop)
	}
	if math.IsInf(top, -1) || hi <= lo {
		hi = lo + 1
	}
	if m.Kind == Percent {
		p.Y.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
			var out []plot.Tick
			for _, t := range (plainTicks{}).Ticks(min, math.Min(max, 100)) {
				if t.Value <= 100 {
					out = append(out, t)
				}
			}
			return out
		})
	}
	p.Y.Min, p.Y.Max = lo, hi
}

// breakMark draws // on the x axis between vehicle and the first dose of
// a logarithmic dose axis: vehicle has no logarithm, so the distance to it
// means nothing.
type breakMark struct{ x float64 }

func (b breakMark) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, _ := plt.Transforms(&c)
	x, y := trX(b.x), c.Min.Y-plt.X.Padding
	sty := draw.LineStyle{Color: color.Black, Width: vg.Points(0.75)}
	white := draw.LineStyle{Color: color.White, Width: vg.Points(3)}
	c.StrokeLine2(white, x-vg.Points(2), y, x+vg.Points(2), y)
	for _, dx := range []vg.Length{-vg.Points(2), vg.Points(2)} {
		c.StrokeLine2(sty, x+dx-vg.Points(1.5), y-vg.Points(3), x+dx+vg.Points(1.5), y+vg.Points(3))
	}
}

// A figure is a grid of panels with a header line (interim) and a key
// below them.
type figure struct {
	plots  [][]*plot.Plot
	w, h   vg.Length // the panels' area
	header string
	key    []keyEntry
}

// A keyEntry is a line of the key: thumbnails, then text wrapped to the
// figure's width.
type keyEntry struct {
	thumbs []plot.Thumbnailer
	text   string
}

const (
	keyThumbW = vg.Length(16)
	keyLineH  = vg.Length(9.5)
	keyMargin = vg.Length(6)
)

// errThumb is the key's thumbnail for a mean with its error bar.
type errThumb struct{}

func (errThumb) Thumbnail(c *draw.Canvas) {
	x, y := c.Center().X, c.Center().Y
	sty := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	c.StrokeLine2(sty, x, y-vg.Points(4), x, y+vg.Points(4))
	c.StrokeLine2(sty, x-vg.Points(2.5), y-vg.Points(4), x+vg.Points(2.5), y-vg.Points(4))
	c.StrokeLine2(sty, x-vg.Points(2.5), y+vg.Points(4), x+vg.Points(2.5), y+vg.Points(4))
	c.DrawGlyph(draw.GlyphStyle{Color: color.Black, Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}}, vg.Point{X: x, Y: y})
}

// newFigure adds the header and the key that explains the figure: what
// the grey points, the error bars, n and the stars are, and which
// transform the tests used.
func (r Report) newFigure(plots [][]*plot.Plot, w, h vg.Length, ms []MeasureReport, opt FigureOptions) figure {
	f := figure{plots: plots, w: w, h: h}
	if r.Interim() {
		f.header = fmt.Sprintf("INTERIM: study %s not finished (%d of %d test days done); means and tests will change",
			r.Study, r.Progress.Done, r.Progress.Planned)
	}
	rat, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0}})
	rat.Color, rat.Width = ratColour, vg.Points(0.5)
	ratPt, _ := plotter.NewScatter(plotter.XYs{{X: 0, Y: 0}})
	ratPt.GlyphStyle = draw.GlyphStyle{Color: ratColour, Radius: vg.Points(1.4), Shape: draw.CircleGlyph{}}
	f.key = append(f.key, keyEntry{[]plot.Thumbnailer{rat, ratPt}, "each rat, its conditions joined by a line; n = rats with a value"})
	bars := "mean ± SEM"
	if opt.ErrorBars == CI95Bars {
		bars = "mean ± 95% confidence interval"
	}
	f.key = append(f.key, keyEntry{[]plot.Thumbnailer{errThumb{}}, bars})
	if !r.Blinded && len(r.Conditions) > 1 {
		f.key = append(f.key, keyEntry{nil, fmt.Sprintf("* p < .05, ** p < .01, *** p < .001 vs %s (paired t-test, rats with both conditions; Holm-adjusted)",
			r.Conditions[0].Label)})
	}
	var tr []string
	for _, m := range ms {
		if m.Transform != "" && m.Transform != "none" {
			tr = append(tr, fmt.Sprintf("%s as %s", strings.ToLower(m.Name), figureFormula(m)))
		}
	}
	if len(tr) > 0 {
		f.key = append(f.key, keyEntry{nil, "tests on transformed values: " + strings.Join(tr, ", ")})
	}
	return f
}

func figureFormula(m MeasureReport) string {
	switch m.Transform {
	case "sqrt":
		return "sqrt(x+0.5)"
	case "arcsine":
		return "arcsin(sqrt(x/100))"
	}
	return "x"
}

// keyLines wraps every entry's text to the width beside the thumbnails.
func (f figure) keyLines() [][]string {
	sty := textStyle(7.5)
	width := f.w - 2*keyMargin - keyThumbW - 4
	out := make([][]string, len(f.key))
	for i, e := range f.key {
		line := ""
		for _, word := range strings.Fields(e.text) {
			if try := strings.TrimSpace(line + " " + word); line == "" || sty.Width(try) <= width {
				line = try
				continue
			}
			out[i] = append(out[i], line)
			line = word
		}
		out[i] = append(out[i], line)
	}
	return out
}

// size is the whole figure: header, panels and key.
func (f figure) size() (vg.Length, vg.Length) {
	return f.w, f.h + f.headerH() + f.keyH()
}

func (f figure) headerH() vg.Length {
	if f.header == "" {
		return 0
	}
	return 12
}

func (f figure) keyH() vg.Length {
	n := 0
	for _, l := range f.keyLines() {
		n += len(l)
	}
	return vg.Length(n)*keyLineH + 2*keyMargin
}

func (f figure) draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	if f.header != "" {
		sty := textStyle(8)
		sty.Color = color.RGBA{0xB0, 0x00, 0x00, 0xFF}
		sty.YAlign = draw.YTop
		c.FillText(sty, vg.Point{X: c.Min.X + keyMargin, Y: c.Max.Y - 2}, f.header)
	}
	drawGrid(draw.Crop(c, 0, 0, f.keyH(), -f.headerH()), f.plots)
	sty := textStyle(7.5)
	y := c.Min.Y + f.keyH() - keyMargin
	for i, lines := range f.keyLines() {
		thumb := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: c.Min.X + keyMargin, Y: y - keyLineH}, Max: vg.Point{X: c.Min.X + keyMargin + keyThumbW, Y: y}}}
		for _, t := range f.key[i].thumbs {
			t.Thumbnail(&thumb)
		}
		for _, l := range lines {
			c.FillText(sty, vg.Point{X: c.Min.X + keyMargin + keyThumbW + 4, Y: y - keyLineH + 2}, l)
			y -= keyLineH
		}
	}
}

// save writes the figure as base.png (at opt.DPI, recorded in the file),
// base.svg and base.pdf (fonts embedded), as opt.Formats asks. The SVG
// names its font (Liberation Sans, Arial's metric twin) instead of
// embedding it, which would make each file a megabyte: it is for editing,
// the PDF is the vector file for submission.
func (f figure) save(base string, opt FigureOptions) ([]string, error) {
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return nil, err
	}
	w, h := f.size()
	var files []string
	for _, ext := range opt.Formats {
		var c vg.CanvasWriterTo
		switch ext {
		case "png":
			c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(opt.DPI))}
		case "svg":
			c = vgsvg.New(w, h)
		case "pdf":
			c = winAnsiPDF{vgpdf.New(w, h)}
		}
		f.draw(draw.New(c))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return files, fmt.Errorf("%s: %w", ext, err)
		}
		out := buf.Bytes()
		if ext == "png" {
			out = pngWithDPI(out, opt.DPI)
		}
		name := base + "." + ext
		if err := os.WriteFile(name, out, 0o644); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}

// pngWithDPI adds a pHYs chunk recording the resolution, which Go's
// encoder leaves out: without it, journal checkers and image editors take
// a PNG for 72 dpi whatever its pixel count. The chunk goes right after
// IHDR (PNG spec 11.3.5.3), in pixels per metre.
func pngWithDPI(png []byte, dpi int) []byte {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4 // signature, IHDR length, type, data, CRC
	if len(png) < ihdrEnd || string(png[12:16]) != "IHDR" {
		return png
	}
	ppm := uint32(math.Round(float64(dpi) / 0.0254))
	chunk := make([]byte, 0, 21)
	chunk = binary.BigEndian.AppendUint32(chunk, 9)
	chunk = append(chunk, "pHYs"...)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = append(chunk, 1) // unit: metre
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := make([]byte, 0, len(png)+len(chunk))
	out = append(out, png[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, png[ihdrEnd:]...)
}

// winAnsiPDF is gonum's PDF canvas with text converted from UTF-8 to
// Windows-1252, the encoding its fonts declare: gonum passes the UTF-8
// bytes through, so "±" would print as "Â±".
type winAnsiPDF struct{ *vgpdf.Canvas }

func (c winAnsiPDF) FillString(f font.Face, pt vg.Point, s string) {
	c.Canvas.FillString(f, pt, winAnsi(s))
}

// winAnsi is s in Windows-1252; a character it lacks becomes "?".
func winAnsi(s string) string {
	special := map[rune]byte{'€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94,
		'•': 0x95, '–': 0x96, '—': 0x97, '™': 0x99}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch b, ok := special[r]; {
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			out = append(out, byte(r))
		case ok:
			out = append(out, b)
		default:
			out = append(out, '?')
		}
	}
	return string(out)
}
