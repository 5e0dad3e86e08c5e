package report

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ErrorBars chooses what a figure's error bars show; the legend names it.
type ErrorBars string

// Error bars.
const (
	SEMBars  ErrorBars = "sem"  // mean ± SEM, the convention of the field
	CI95Bars ErrorBars = "ci95" // mean ± the 95 % confidence interval's half-width
)

// DoseAxis chooses how doses are spaced.
type DoseAxis string

// Dose axes.
const (
	// CategoricalDoses spaces vehicle and the doses evenly.
	CategoricalDoses DoseAxis = "categorical"
	// LogDoses places doses at log10(dose) and vehicle, which has no
	// logarithm, to the left of an axis break.
	LogDoses DoseAxis = "log"
)

// FigureOptions choose how figures look and which files are written.
type FigureOptions struct {
	ErrorBars ErrorBars // default SEMBars
	DoseAxis  DoseAxis  // default CategoricalDoses
	DPI       int       // PNG resolution; at least 300 (the default)
	Formats   []string  // of png, svg, pdf; default all three
	// Measures are the keys of the measures that get a figure of their
	// own; nil means every measure. The multi-panel figure is always
	// written.
	Measures []string
}

// SummaryMeasures are the panels of the multi-panel figure, the four
// measures a 5-CSRTT paper shows first.
var SummaryMeasures = []string{"accuracy_pct", "omissions_pct", "premature", "correct_latency_mean_ms"}

// ParseFigureOptions checks options read from flags: error bars sem or
// ci95, dose axis categorical or log, formats png, svg and pdf, DPI 0
// (300) or at least 300.
func ParseFigureOptions(bars, axis, formats string, dpi int) (FigureOptions, error) {
	o := FigureOptions{ErrorBars: ErrorBars(bars), DoseAxis: DoseAxis(axis), DPI: dpi}
	if formats != "" {
		o.Formats = strings.Split(formats, ",")
	}
	return o, o.check()
}

func (o *FigureOptions) check() error {
	switch o.ErrorBars {
	case "":
		o.ErrorBars = SEMBars
	case SEMBars, CI95Bars:
	default:
		return fmt.Errorf("error bars %q: want sem or ci95", o.ErrorBars)
	}
	switch o.DoseAxis {
	case "":
		o.DoseAxis = CategoricalDoses
	case CategoricalDoses, LogDoses:
	default:
		return fmt.Errorf("dose axis %q: want categorical or log", o.DoseAxis)
	}
	switch {
	case o.DPI == 0:
		o.DPI = 300
	case o.DPI < 300:
		return fmt.Errorf("%d dpi: journals ask for at least 300", o.DPI)
	}
	if len(o.Formats) == 0 {
		o.Formats = []string{"png", "svg", "pdf"}
	}
	for _, f := range o.Formats {
		if f != "png" && f != "svg" && f != "pdf" {
			return fmt.Errorf("figure format %q: want png, svg or pdf", f)
		}
	}
	for _, key := range o.Measures {
		if _, ok := measureByKey(key); !ok {
			return fmt.Errorf("figure of %q: no such measure", key)
		}
	}
	return nil
}

// Figures writes one figure per measure (STUDY-MEASURE.png ...) and the
// multi-panel figure of SummaryMeasures (STUDY-summary.png ...) into dir,
// in every format asked for, and returns the files written. Each panel
// shows every rat's values as grey points joined by light lines, the mean
// with error bars, n under each condition, and stars for the comparisons
// with vehicle that are significant after Holm's adjustment. A study with
// several drugs gets one panel per drug, each starting from the shared
// vehicle; two drugs are never joined by a line.
func (r Report) Figures(dir string, opt FigureOptions) ([]string, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	var files []string
	for _, m := range r.Measures {
		if opt.Measures != nil && !slices.Contains(opt.Measures, m.Key) {
			continue
		}
		fig, err := r.measureFigure(m, opt)
		if err != nil {
			return files, fmt.Errorf("figure of %s: %w", m.Key, err)
		}
		written, err := fig.save(filepath.Join(dir, safe(r.Study)+"-"+m.Key), opt)
		files = append(files, written...)
		if err != nil {
			return files, fmt.Errorf("figure of %s: %w", m.Key, err)
		}
	}
	fig, err := r.summaryFigure(opt)
	if err != nil {
		return files, fmt.Errorf("summary figure: %w", err)
	}
	written, err := fig.save(filepath.Join(dir, safe(r.Study)+"-summary"), opt)
	return append(files, written...), err
}

// A group is the conditions of one panel: the reference and one drug's
// doses in ascending order, or (drug "") every condition when they are
// not doses of drugs (blinded codes, or conditions without doses).
type group struct {
	drug string
	cols []int // indices into Report.Conditions, reference first
}

// groups splits the conditions into one group per drug.
func (r Report) groups() []group {
	all := group{cols: make([]int, len(r.Conditions))}
	for i := range all.cols {
		all.cols[i] = i
	}
	if r.Blinded || len(r.Conditions) < 2 {
		return []group{all}
	}
	var drugs []string
	byDrug := map[string][]int{}
	for j, c := range r.Conditions[1:] {
		if c.Dose == nil || c.Drug == "" || c.Drug == r.Conditions[0].Drug {
			return []group{all}
		}
		if _, ok := byDrug[c.Drug]; !ok {
			drugs = append(drugs, c.Drug)
		}
		byDrug[c.Drug] = append(byDrug[c.Drug], j+1)
	}
	var out []group
	for _, d := range drugs {
		cols := byDrug[d]
		sort.SliceStable(cols, func(a, b int) bool { return *r.Conditions[cols[a]].Dose < *r.Conditions[cols[b]].Dose })
		out = append(out, group{drug: d, cols: append([]int{0}, cols...)})
	}
	return out
}

// measureFigure is one measure, one panel per drug side by side.
func (r Report) measureFigure(m MeasureReport, opt FigureOptions) (figure, error) {
	gs := r.groups()
	row := make([]*plot.Plot, len(gs))
	for i, g := range gs {
		p, err := r.panel(m, g, i, opt)
		if err != nil {
			return figure{}, err
		}
		if len(gs) > 1 {
			p.Title.Text = fmt.Sprintf("%s: %s", m.Name, g.drug)
		}
		row[i] = p
	}
	shareY(row)
	w := 85*vg.Millimeter + vg.Length(len(gs)-1)*65*vg.Millimeter
	return r.newFigure([][]*plot.Plot{row}, w, 70*vg.Millimeter, []MeasureReport{m}, opt), nil
}

// summaryFigure is SummaryMeasures as a grid: 2 × 2 for one drug, one row
// per measure and one column per drug otherwise.
func (r Report) summaryFigure(opt FigureOptions) (figure, error) {
	var ms []MeasureReport
	for _, key := range SummaryMeasures {
		if i := slices.IndexFunc(r.Measures, func(m MeasureReport) bool { return m.Key == key }); i >= 0 {
			ms = append(ms, r.Measures[i])
		}
	}
	gs := r.groups()
	var plots [][]*plot.Plot
	for _, m := range ms {
		var row []*plot.Plot
		for i, g := range gs {
			p, err := r.panel(m, g, i, opt)
			if err != nil {
				return figure{}, fmt.Errorf("%s: %w", m.Key, err)
			}
			if len(gs) > 1 {
				p.Title.Text = fmt.Sprintf("%s: %s", m.Name, g.drug)
			}
			row = append(row, p)
		}
		shareY(row)
		plots = append(plots, row)
	}
	if len(gs) == 1 && len(plots) == 4 {
		plots = [][]*plot.Plot{{plots[0][0], plots[1][0]}, {plots[2][0], plots[3][0]}}
	}
	return r.newFigure(plots, 180*vg.Millimeter, vg.Length(len(plots))*65*vg.Millimeter, ms, opt), nil
}

// shareY gives the panels of one measure (one per drug) the same y
// range, so that effects of different drugs compare by eye.
func shareY(row []*plot.Plot) {
	hi := math.Inf(-1)
	for _, p := range row {
		hi = math.Max(hi, p.Y.Max)
	}
	for _, p := range row {
		p.Y.Max = hi
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

// drawGrid aligns the panels and draws them, with a panel letter (A, B
// ...) at each one's top left when there is more than one.
func drawGrid(c draw.Canvas, plots [][]*plot.Plot) {
	rows, cols := len(plots), len(plots[0])
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: 4 * vg.Millimeter, PadY: 4 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 2 * vg.Millimeter}
	canvases := plot.Align(plots, tiles, c)
	letter := 0
	for i := range plots {
		for j, p := range plots[i] {
			p.Draw(canvases[i][j])
			if rows*cols > 1 {
				at := canvases[i][j]
				sty := textStyle(11)
				sty.YAlign = draw.YTop
				at.FillText(sty, vg.Point{X: at.Min.X, Y: at.Max.Y}, string(rune('A'+letter)))
			}
			letter++
		}
	}
}
