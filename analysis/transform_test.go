package analysis

import (
	"errors"
	"math"
	"testing"
)

// TestTransforms: values worked by hand from the definitions, √(x + ½)
// (Bartlett 1936) and arcsin √p in radians (Zar 2010 sec. 13.3, whose
// Table B.24 gives arcsin √0.5 = 45° = π/4).
func TestTransforms(t *testing.T) {
	tests := []struct {
		tr      Transform
		x, want float64
		err     error
	}{
		{NoTransform, 12.5, 12.5, nil},
		{NoTransform, -3, -3, nil},
		{SqrtCount, 0, math.Sqrt(0.5), nil},
		{SqrtCount, 3.5, 2, nil},
		{SqrtCount, 24, math.Sqrt(24.5), nil},
		{SqrtCount, -1, math.NaN(), ErrNotFinite},
		{ArcsineSqrtPercent, 0, 0, nil},
		{ArcsineSqrtPercent, 50, math.Pi / 4, nil},
		{ArcsineSqrtPercent, 100, math.Pi / 2, nil},
		{ArcsineSqrtPercent, 25, math.Pi / 6, nil},
		{ArcsineSqrtPercent, 100.5, math.NaN(), ErrNotFinite},
		{ArcsineSqrtPercent, -0.1, math.NaN(), ErrNotFinite},
	}
	for _, tt := range tests {
		got, err := tt.tr.Apply(tt.x)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s(%v): error %v, want %v", tt.tr, tt.x, err, tt.err)
		}
		near(t, string(tt.tr), got, tt.want, 1e-15)
	}
}

func TestParseTransform(t *testing.T) {
	for _, s := range []string{"none", "sqrt", "arcsine", ""} {
		tr, err := ParseTransform(s)
		if err != nil {
			t.Errorf("%q: %v", s, err)
		}
		if tr.Formula() == "" {
			t.Errorf("%q: no formula", s)
		}
		if (tr != NoTransform) != (tr.Reference() != "") {
			t.Errorf("%q: reference %q", s, tr.Reference())
		}
	}
	if _, err := ParseTransform("log"); err == nil {
		t.Error("log accepted")
	}
}
