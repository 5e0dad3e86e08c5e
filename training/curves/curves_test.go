package curves

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlot(t *testing.T) {
	r := Rat{Subject: "R07"}
	for i := range 12 {
		stage, acc := "stage1", float64(40+4*i)
		if i < 2 {
			stage, acc = "magazine", math.NaN()
		} else if i > 8 {
			stage = "stage2"
		}
		r.Points = append(r.Points, Point{Stage: stage, Accuracy: acc, Omissions: 50 - float64(3*i), Correct: float64(5 * i), Counted: i != 5})
	}
	dir := t.TempDir()
	files, err := Plot(r, dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || filepath.Base(files[0]) != "learning-R07.png" || filepath.Base(files[1]) != "learning-R07.svg" {
		t.Fatalf("files %v", files)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 700 || b.Dy() != 750 {
		t.Errorf("PNG %v at 100 dpi, want 700x750 (7 x 7.5 in)", b)
	}
	svg, err := os.ReadFile(files[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"stage2", "Accuracy (%)", "Training session"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	for _, bad := range []struct {
		r   Rat
		dpi int
	}{{Rat{Subject: "R08"}, 300}, {r, 10}} {
		if _, err := Plot(bad.r, dir, bad.dpi); err == nil {
			t.Errorf("Plot(%s, dpi %d): no error", bad.r.Subject, bad.dpi)
		}
	}
}
