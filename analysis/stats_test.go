package analysis

import (
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6g, want %.6g (± %g)", what, got, want, tol)
	}
}

// TestPairedTSleep: R's documentation example for t.test, the sleep data
// (Student 1908; R datasets::sleep): t.test(extra ~ group, data = sleep,
// paired = TRUE) prints t = -4.0621, df = 9, p-value = 0.002833, mean
// difference -1.58.
func TestPairedTSleep(t *testing.T) {
	g1 := []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
	g2 := []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}
	r, err := PairedT(g2, g1)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "t", r.T, -4.0621, 0.00005)
	near(t, "df", r.DF, 9, 0)
	near(t, "p", r.P, 0.002833, 0.0000005)
	near(t, "mean difference", r.MeanDiff, -1.58, 1e-12)
}

// TestRepeatedMeasuresBushtucker: the worked example of Field, Discovering
// Statistics Using SPSS (3rd ed. 2009), chapter 13 (the "Bushtucker trial":
// 8 celebrities, time to retch for 4 foods). Published: F(3, 21) = 3.79,
// p = .026; Greenhouse-Geisser ε = .533, F(1.60, 11.19), p = .063;
// Huynh-Feldt ε = .666, p = .048.
func TestRepeatedMeasuresBushtucker(t *testing.T) {
	data := [][]float64{
		{8, 7, 1, 6}, {9, 5, 2, 5}, {6, 2, 3, 8}, {5, 3, 1, 9},
		{8, 4, 5, 8}, {7, 5, 6, 7}, {10, 2, 7, 2}, {12, 6, 8, 1},
	}
	a, err := RepeatedMeasures(data)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "df1", a.DF1, 3, 0)
	near(t, "df2", a.DF2, 21, 0)
	near(t, "SS conditions", a.SSConditions, 83.125, 1e-9)
	near(t, "SS error", a.SSError, 153.375, 1e-9)
	near(t, "F", a.F, 3.79, 0.005)
	near(t, "p", a.P, 0.026, 0.0005)
	near(t, "GG epsilon", a.EpsilonGG, 0.533, 0.0005)
	near(t, "GG df1", a.DF1*a.EpsilonGG, 1.60, 0.005)
	near(t, "GG df2", a.DF2*a.EpsilonGG, 11.19, 0.005)
	near(t, "GG p", a.PGG, 0.063, 0.0005)
	near(t, "HF epsilon", a.EpsilonHF, 0.666, 0.0005)
	near(t, "HF p", a.PHF, 0.048, 0.0005)
}

// TestHolm: Holm (1979)'s step-down rule, as R's p.adjust(p, "holm")
// computes it.
func TestHolm(t *testing.T) {
	tests := []struct{ p, want []float64 }{
		{[]float64{0.01, 0.02, 0.03, 0.04, 0.05}, []float64{0.05, 0.08, 0.09, 0.09, 0.09}},
		{[]float64{0.04, 0.001, 0.5}, []float64{0.08, 0.003, 0.5}},
		{[]float64{0.3, 0.6}, []float64{0.6, 0.6}},
		{[]float64{0.9, 0.8}, []float64{1, 1}},
		{[]float64{math.NaN(), 0.02, 0.01}, []float64{math.NaN(), 0.02, 0.02}},
	}
	for _, tt := range tests {
		got := Holm(tt.p)
		for i := range got {
			if math.IsNaN(tt.want[i]) != math.IsNaN(got[i]) || (!math.IsNaN(got[i]) && math.Abs(got[i]-tt.want[i]) > 1e-12) {
				t.Errorf("Holm(%v) = %v, want %v", tt.p, got, tt.want)
				break
			}
		}
	}
}

func TestDescriptives(t *testing.T) {
	near(t, "mean", Mean([]float64{1, 2, 3, 4}), 2.5, 1e-12)
	// SD of 1..4 is sqrt(5/3); SEM = that / 2.
	near(t, "SEM", SEM([]float64{1, 2, 3, 4}), math.Sqrt(5.0/3)/2, 1e-12)
	if !math.IsNaN(SEM([]float64{1})) || !math.IsNaN(Mean(nil)) {
		t.Error("undefined descriptives should be NaN")
	}
}

func TestCompareAndErrors(t *testing.T) {
	data := [][]float64{{1, 2, 0}, {2, 4, 1}, {3, 5, 3}, {4, 7, 3}}
	ts, err := Compare(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].MeanDiff != 2 || ts[1].MeanDiff != -0.75 {
		t.Fatalf("Compare = %+v", ts)
	}
	if ts[0].PHolm < ts[0].P || ts[1].PHolm < ts[1].P {
		t.Errorf("Holm-adjusted p below raw p: %+v", ts)
	}
	if _, err := RepeatedMeasures([][]float64{{1, 2}}); err == nil {
		t.Error("ANOVA with one subject")
	}
	if _, err := RepeatedMeasures([][]float64{{1, 2}, {1}}); err == nil {
		t.Error("ANOVA with a ragged row")
	}
	if _, err := PairedT([]float64{1}, []float64{2}); err == nil {
		t.Error("t-test with one pair")
	}
}
