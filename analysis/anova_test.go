package analysis

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// TestRepeatedMeasuresBushtucker checks the one-way analysis of Field's
// Bushtucker data against two sources:
//
//   - Field (2009, ch. 13) prints the SPSS output: F(3, 21) = 3.79,
//     p = .026; Greenhouse-Geisser ε = .533, F(1.60, 11.19), p = .063;
//     Huynh-Feldt ε = .666, p = .048.
//   - JASP's test suite reproduces it in full double precision
//     (jasp-stats/jasp-desktop, JASP-Tests/R/tests/testthat/
//     test-anovarepeatedmeasures.R at commit 02a37ffc7b6b, test "Field -
//     Chapter 8 results match": sphericity table and within-subjects
//     table). Those are the values below; JASP's Huynh-Feldt is the
//     original (1976) form, as SPSS's is.
func TestRepeatedMeasuresBushtucker(t *testing.T) {
	a, err := RepeatedMeasures(bushtucker)
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-9
	tests := []struct {
		what      string
		got, want float64
	}{
		{"N", float64(a.N), 8},
		{"K", float64(a.K), 4},
		{"SS conditions", a.SSConditions, 83.1249999999999},
		{"SS error", a.SSError, 153.375},
		{"df1", a.DF1, 3},
		{"df2", a.DF2, 21},
		{"F", a.F, 3.79380603096984},
		{"p", a.P, 0.0255702968630395},
		{"GG epsilon", a.EpsilonGG, 0.532845552798473},
		{"GG df1", a.DF1 * a.EpsilonGG, 1.59853665839542},
		{"GG df2", a.DF2 * a.EpsilonGG, 11.1897566087679},
		{"GG p", a.PGG, 0.0625841206869634},
		{"HF epsilon", a.EpsilonHF, 0.66576361409737},
		{"HF df1", a.DF1 * a.EpsilonHF, 1.99729084229211},
		{"HF df2", a.DF2 * a.EpsilonHF, 13.9810358960448},
		{"HF p", a.PHF, 0.0483306135519432},
	}
	for _, tt := range tests {
		near(t, tt.what, tt.got, tt.want, tol)
	}
	// Field's printed (SPSS) values, to their printed precision.
	printed := []struct {
		what       string
		got, want  float64
		halfDigits float64
	}{
		{"F (Field)", a.F, 3.79, 0.005},
		{"p (Field)", a.P, 0.026, 0.0005},
		{"GG epsilon (Field)", a.EpsilonGG, 0.533, 0.0005},
		{"GG df1 (Field)", a.DF1 * a.EpsilonGG, 1.60, 0.005},
		{"GG df2 (Field)", a.DF2 * a.EpsilonGG, 11.19, 0.005},
		{"GG p (Field)", a.PGG, 0.063, 0.0005},
		{"HF epsilon (Field)", a.EpsilonHF, 0.666, 0.0005},
		{"HF p (Field)", a.PHF, 0.048, 0.0005},
	}
	for _, tt := range printed {
		near(t, tt.what, tt.got, tt.want, tt.halfDigits)
	}
	// The partition is exact.
	var total float64
	for _, row := range bushtucker {
		for _, v := range row {
			total += (v - 5.5625) * (v - 5.5625) // grand mean 178/32
		}
	}
	near(t, "SS partition", a.SSConditions+a.SSSubjects+a.SSError, total, 1e-9)
}

// TestRepeatedMeasuresTwoConditions: with two conditions sphericity holds
// trivially (ε = 1) and F is the square of the paired t. Reference values:
// JASP's tests of Field's data two foods at a time (older version of
// test-anovarepeatedmeasures.R in jasp-stats/jasp-desktop, test "Fields
// Book - Chapter 8 results match", outputs 4a-4c; 7 significant digits).
func TestRepeatedMeasuresTwoConditions(t *testing.T) {
	tests := []struct {
		name      string
		cols      []int
		ss, ssErr float64
		f, fTol   float64
		p, pTol   float64
	}{
		{"stick vs testicle", []int{0, 1}, 60.0625, 18.4375, 22.80339, 5e-6, 0.002023283, 5e-10},
		{"testicle vs eye", []int{1, 2}, 0.0625, 40.4375, 0.01081917, 5e-9, 0.9200747, 5e-8},
		{"eye vs witchetty", []int{2, 3}, 10.5625, 92.9375, 0.7955615, 5e-8, 0.4020421, 5e-8},
	}
	for _, tt := range tests {
		a, err := RepeatedMeasures(columns(bushtucker, tt.cols...))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		near(t, tt.name+": SS conditions", a.SSConditions, tt.ss, 1e-9)
		near(t, tt.name+": SS error", a.SSError, tt.ssErr, 1e-9)
		near(t, tt.name+": F", a.F, tt.f, tt.fTol)
		near(t, tt.name+": p", a.P, tt.p, tt.pTol)
		near(t, tt.name+": GG epsilon", a.EpsilonGG, 1, 1e-12)
		near(t, tt.name+": HF epsilon", a.EpsilonHF, 1, 1e-12)
		near(t, tt.name+": GG p", a.PGG, a.P, 1e-12)
		pt, err := PairedT(column(bushtucker, tt.cols[0]), column(bushtucker, tt.cols[1]))
		if err != nil {
			t.Fatal(err)
		}
		near(t, tt.name+": F = t²", a.F, pt.T*pt.T, 1e-9)
		near(t, tt.name+": p(F) = p(t)", a.P, pt.P, 1e-12)
	}
}

// TestRepeatedMeasuresDegenerate: no residual variance.
func TestRepeatedMeasuresDegenerate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		data [][]float64
		f, p float64
	}{
		{"parallel profiles", [][]float64{{1, 2, 4}, {3, 4, 6}, {0, 1, 3}}, inf, 0},
		{"all equal", [][]float64{{5, 5}, {5, 5}}, nan, nan},
		{"subjects differ, conditions do not", [][]float64{{1, 1}, {7, 7}}, nan, nan},
	}
	for _, tt := range tests {
		a, err := RepeatedMeasures(tt.data)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		near(t, tt.name+": F", a.F, tt.f, 0)
		near(t, tt.name+": p", a.P, tt.p, 0)
		near(t, tt.name+": GG p", a.PGG, tt.p, 0)
		near(t, tt.name+": GG epsilon", a.EpsilonGG, nan, 0)
		want := Undefined
		if math.IsInf(tt.f, 1) {
			want = Infinite
		}
		if a.Status != want || a.Reason == "" {
			t.Errorf("%s: status %v, reason %q; want %v with a reason", tt.name, a.Status, a.Reason, want)
		}
	}
	if a, _ := RepeatedMeasures(bushtucker); a.Status != Computed || a.Reason != "" {
		t.Errorf("bushtucker: status %v, reason %q", a.Status, a.Reason)
	}
}

// TestEpsilonBounds: ε̂ lies in [1/(k−1), 1] and ε̃ in [ε̂, 1], whatever the
// data; the lower bound is reached when the conditions' differences are
// all driven by one contrast.
func TestEpsilonBounds(t *testing.T) {
	tests := []struct {
		name string
		data [][]float64
	}{
		{"one contrast", [][]float64{{0, 0, 1}, {0, 0, 2}, {0, 0, 3}, {0, 0, 5}}},
		{"few subjects", [][]float64{{1, 5, 2, 8}, {2, 3, 9, 1}, {4, 4, 1, 6}}},
		{"bushtucker", bushtucker},
	}
	for _, tt := range tests {
		a, err := RepeatedMeasures(tt.data)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		lo := 1 / a.DF1
		if a.EpsilonGG < lo-1e-12 || a.EpsilonGG > 1 || a.EpsilonHF < a.EpsilonGG || a.EpsilonHF > 1 {
			t.Errorf("%s: GG %v, HF %v outside [%v, 1]", tt.name, a.EpsilonGG, a.EpsilonHF, lo)
		}
	}
	a, _ := RepeatedMeasures(tests[0].data)
	near(t, "one contrast: GG epsilon", a.EpsilonGG, 0.5, 1e-12)
}

func TestRepeatedMeasuresErrors(t *testing.T) {
	tests := []struct {
		name string
		data [][]float64
		want error
	}{
		{"no subjects", nil, ErrTooFew},
		{"one subject", [][]float64{{1, 2}}, ErrTooFew},
		{"one condition", [][]float64{{1}, {2}}, ErrTooFew},
		{"ragged", [][]float64{{1, 2}, {1}}, ErrShape},
		{"NaN", [][]float64{{1, 2}, {math.NaN(), 3}}, ErrNotFinite},
		{"Inf", [][]float64{{1, math.Inf(-1)}, {2, 3}}, ErrNotFinite},
	}
	for _, tt := range tests {
		if _, err := RepeatedMeasures(tt.data); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestGreenhouseGeisserContrasts: the double-centred formula equals the
// textbook one on k−1 orthonormal contrasts (Helmert here), ε̂ =
// tr(CSCᵀ)² / ((k−1)·tr((CSCᵀ)²)), for several k and seeded random data.
func TestGreenhouseGeisserContrasts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for k := 2; k <= 7; k++ {
		n := k + 3
		data := make([][]float64, n)
		for i := range data {
			for j := range k {
				data[i] = append(data[i], rng.NormFloat64()*float64(j+1)+float64(i))
			}
		}
		x := mat.NewDense(n, k, nil)
		for i, row := range data {
			x.SetRow(i, row)
		}
		var s mat.SymDense
		stat.CovarianceMatrix(&s, x, nil)
		c := mat.NewDense(k-1, k, nil) // orthonormal Helmert contrasts
		for r := range k - 1 {
			norm := math.Sqrt(float64((r + 1) * (r + 2)))
			for j := range r + 1 {
				c.Set(r, j, 1/norm)
			}
			c.Set(r, r+1, -float64(r+1)/norm)
		}
		var cs, m, m2 mat.Dense
		cs.Mul(c, &s)
		m.Mul(&cs, c.T())
		m2.Mul(&m, &m)
		want := mat.Trace(&m) * mat.Trace(&m) / (float64(k-1) * mat.Trace(&m2))
		a, err := RepeatedMeasures(data)
		if err != nil {
			t.Fatal(err)
		}
		near(t, fmt.Sprintf("k=%d: GG epsilon", k), a.EpsilonGG, want, 1e-12)
	}
}
