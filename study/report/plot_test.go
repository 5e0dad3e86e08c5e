package report

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// figuresDir is where the figure tests write: a temporary directory, or
// FIVECHOICE_FIGURES_DIR to keep the files and look at them.
func figuresDir(t *testing.T, name string) string {
	if d := os.Getenv("FIVECHOICE_FIGURES_DIR"); d != "" {
		return filepath.Join(d, name)
	}
	return t.TempDir()
}

// TestFigures draws a realistic 12-rat atomoxetine study in every format
// and checks what a journal checks: PNG at 300 dpi recorded in the file
// (pHYs) with the pixels to match, and SVG and PDF written. Every
// measure's figure is drawn with FIVECHOICE_FIGURES_DIR set (to look at
// them all); otherwise one, because rasterising is slow under -race.
func TestFigures(t *testing.T) {
	t.Parallel()
	r := Compute(realisticStudy(11, atxConditions(), 12, nil), Options{Transforms: ConventionalTransforms()})
	dir := figuresDir(t, "final")
	opt := FigureOptions{Measures: []string{"premature"}}
	if os.Getenv("FIVECHOICE_FIGURES_DIR") != "" {
		opt.Measures = nil
	}
	files, err := r.Figures(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	n := len(opt.Measures)
	if opt.Measures == nil {
		n = len(Measures)
	}
	if want := 3 * (n + 1); len(files) != want {
		t.Errorf("%d files, want %d", len(files), want)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || len(b) < 2000 {
			t.Errorf("%s: %d bytes, %v", f, len(b), err)
			continue
		}
		switch filepath.Ext(f) {
		case ".png":
			checkPNG(t, f, b, 300)
		case ".pdf":
			if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("FontFile")) {
				t.Errorf("%s: not a PDF with embedded fonts", f)
			}
		case ".svg":
			if !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("Premature")) && strings.Contains(f, "premature") {
				t.Errorf("%s: not the SVG expected", f)
			}
		}
	}
}

// checkPNG: the pHYs chunk says dpi, and the image has the pixels for it
// at its size in points (85 mm wide at 300 dpi is 1004 pixels).
func checkPNG(t *testing.T, name string, b []byte, dpi int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	i := bytes.Index(b, []byte("pHYs"))
	if i < 0 {
		t.Errorf("%s: no pHYs chunk: the resolution is not recorded", name)
		return
	}
	x, y := binary.BigEndian.Uint32(b[i+4:]), binary.BigEndian.Uint32(b[i+8:])
	if want := uint32(float64(dpi)/0.0254 + 0.5); x != want || y != want || b[i+12] != 1 {
		t.Errorf("%s: pHYs %d × %d per unit %d, want %d per metre", name, x, y, b[i+12], want)
	}
	if w := img.Bounds().Dx(); w < 1000 {
		t.Errorf("%s: %d pixels wide: less than 85 mm at %d dpi", name, w, dpi)
	}
}

// TestFiguresVariants: an interim study with two drugs on a log dose axis
// with 95 % CI bars, a PNG at 450 dpi, and a blinded study whose figures
// must not name a drug. Vector formats where the pixels add nothing, to
// keep the test quick under -race.
func TestFiguresVariants(t *testing.T) {
	t.Parallel()
	conds := append(atxConditions(),
		Condition{ID: "mph-1", Drug: "methylphenidate", Dose: dose(1), Label: "mph-1"},
		Condition{ID: "mph-3", Drug: "methylphenidate", Dose: dose(3), Label: "mph-3"})
	pending := map[[2]int]SessionState{{2, 3}: Running, {5, 1}: EndedEarly, {7, 4}: "", {7, 5}: ""}
	r := Compute(realisticStudy(12, conds, 10, pending), Options{})
	if !r.Interim() {
		t.Fatal("study with pending days not interim")
	}
	if gs := r.groups(); len(gs) != 2 || gs[0].drug != "atomoxetine" || len(gs[0].cols) != 4 || gs[1].drug != "methylphenidate" || gs[1].cols[0] != 0 {
		t.Errorf("groups %+v", gs)
	}
	opt := FigureOptions{DoseAxis: LogDoses, ErrorBars: CI95Bars, Formats: []string{"pdf", "svg"}, Measures: []string{"premature"}}
	dir := figuresDir(t, "interim-two-drugs-log")
	files, err := r.Figures(dir, opt)
	if err != nil || len(files) != 4 {
		t.Fatalf("%d files: %v", len(files), err)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "ATX1-summary.svg"))
	for _, want := range []string{"INTERIM", "95% confidence interval", "methylphenidate (mg/kg), log scale"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("the two-drug summary figure lacks %q", want)
		}
	}
	opt.Formats, opt.DPI = []string{"png"}, 450
	fig, err := r.measureFigure(measure(r, "premature"), opt)
	if err != nil {
		t.Fatal(err)
	}
	files, err = fig.save(filepath.Join(dir, "ATX1-premature-450dpi"), opt)
	if err != nil || len(files) != 1 {
		t.Fatalf("%v: %v", files, err)
	}
	b, _ := os.ReadFile(files[0])
	checkPNG(t, files[0], b, 450)

	blind := atxConditions()
	for i := range blind {
		blind[i] = Condition{ID: blind[i].ID, Label: "ATX1/" + string(rune('A'+i))}
	}
	in := realisticStudy(13, blind, 8, nil)
	in.Blinded = true
	dir = figuresDir(t, "blinded")
	if _, err := Compute(in, Options{}).Figures(dir, FigureOptions{Formats: []string{"svg"}, Measures: []string{"premature"}}); err != nil {
		t.Fatal(err)
	}
	svg, _ = os.ReadFile(filepath.Join(dir, "ATX1-summary.svg"))
	if bytes.Contains(svg, []byte("vehicle")) || bytes.Contains(svg, []byte("atomoxetine")) || !bytes.Contains(svg, []byte("blind code")) {
		t.Error("the blinded summary figure names a condition or lacks the blind codes")
	}
}

func TestFigureOptions(t *testing.T) {
	if _, err := ParseFigureOptions("sem", "log", "png,pdf", 0); err != nil {
		t.Error(err)
	}
	for _, bad := range [][3]string{{"sd", "", ""}, {"", "linear", ""}, {"", "", "jpg"}} {
		if _, err := ParseFigureOptions(bad[0], bad[1], bad[2], 0); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if _, err := ParseFigureOptions("", "", "", 150); err == nil {
		t.Error("150 dpi accepted")
	}
	if err := (&FigureOptions{Measures: []string{"speed"}}).check(); err == nil {
		t.Error("an unknown measure accepted")
	}
}
