package analysis

import (
	"errors"
	"math"
	"testing"
)

// TestHolmBushtuckerAllPairs runs the paired t-tests of all six pairs of
// Field's foods and Holm-adjusts them, as JASP's post hoc table does
// (jasp-stats/jasp-desktop, JASP-Tests/R/tests/testthat/
// test-anovarepeatedmeasures.R at commit 02a37ffc7b6b, "Field - Chapter 8
// results match", Holm column, full precision).
func TestHolmBushtuckerAllPairs(t *testing.T) {
	pairs := []struct {
		x, y int
		holm float64
	}{
		{0, 1, 0.0101164143794359},
		{0, 2, 0.00564485983507568},
		{0, 3, 0.906918466006362},
		{1, 2, 0.920074728368496},
		{1, 3, 0.906918466006362},
		{2, 3, 0.906918466006362},
	}
	var ps []float64
	for _, pr := range pairs {
		r, err := PairedT(column(bushtucker, pr.y), column(bushtucker, pr.x))
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, r.P)
	}
	for i, got := range Holm(ps) {
		near(t, bushtuckerNames[pairs[i].x]+" vs "+bushtuckerNames[pairs[i].y], got, pairs[i].holm, 1e-12)
	}
}

// TestCompareToReferenceBushtucker: stick insect as the reference. The raw
// p-values are JASP's (see TestPairedTBushtucker: Bonferroni p/6 for the
// first two, Holm p/4 for the third, which was the third smallest of six);
// the Holm family is now the three comparisons with the reference, so the
// adjusted values are 3p, 2p and p, in ascending order of p.
func TestCompareToReferenceBushtucker(t *testing.T) {
	pKangaroo := 0.0121396972553231 / 6
	pFish := 0.00564485983507568 / 6
	pGrub := 0.906918466006362 / 4
	want := []struct {
		name          string
		mean, t, p, h float64
	}{
		{"kangaroo testicle", -3.875, -4.77528950227193, pKangaroo, 2 * pKangaroo},
		{"fish eye", -4, -5.46504040851179, pFish, 3 * pFish},
		{"witchetty grub", -2.375, -1.32517191772833, pGrub, pGrub},
	}
	got, err := CompareToReference(bushtucker, bushtuckerNames)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d comparisons, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Condition != w.name || g.Reference != "stick insect" || g.N != 8 {
			t.Errorf("comparison %d: %s vs %s, n %d", i, g.Condition, g.Reference, g.N)
		}
		near(t, w.name+": mean difference", g.MeanDiff, w.mean, 1e-12)
		near(t, w.name+": t", g.T, w.t, 1e-9)
		near(t, w.name+": p", g.P, w.p, 1e-12)
		near(t, w.name+": Holm p", g.PHolm, w.h, 1e-12)
	}
	plain, err := Compare(bushtucker)
	if err != nil {
		t.Fatal(err)
	}
	for i := range plain {
		if plain[i] != got[i].TTest {
			t.Errorf("Compare[%d] = %+v, CompareToReference has %+v", i, plain[i], got[i].TTest)
		}
	}
}

func TestCompareErrors(t *testing.T) {
	good := [][]float64{{1, 2, 4}, {2, 4, 5}, {3, 5, 9}}
	names := []string{"vehicle", "low", "high"}
	tests := []struct {
		name  string
		data  [][]float64
		names []string
		want  error
	}{
		{"one subject", good[:1], names, ErrTooFew},
		{"one condition", [][]float64{{1}, {2}}, names[:1], ErrTooFew},
		{"ragged", [][]float64{{1, 2, 3}, {1, 2}}, names, ErrShape},
		{"NaN", [][]float64{{1, 2, 3}, {1, math.NaN(), 3}}, names, ErrNotFinite},
		{"too few names", good, names[:2], ErrShape},
		{"repeated name", good, []string{"vehicle", "low", "low"}, ErrShape},
		{"empty name", good, []string{"vehicle", "", "high"}, ErrShape},
	}
	for _, tt := range tests {
		if _, err := CompareToReference(tt.data, tt.names); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := Compare([][]float64{{1, 2}, {3}}); !errors.Is(err, ErrShape) {
		t.Errorf("Compare of a ragged matrix: %v", err)
	}
}

// TestCompareNaNStaysOutOfFamily: a dose identical to vehicle in every rat
// has no test; it must not count in the Holm family of the others.
func TestCompareNaNStaysOutOfFamily(t *testing.T) {
	data := [][]float64{{1, 1, 3}, {2, 2, 3}, {3, 3, 6}, {4, 4, 5}}
	got, err := CompareToReference(data, []string{"vehicle", "same", "dose"})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(got[0].P) || !math.IsNaN(got[0].PHolm) {
		t.Errorf("identical columns: p %v, Holm %v; want NaN", got[0].P, got[0].PHolm)
	}
	near(t, "the other comparison's Holm p", got[1].PHolm, got[1].P, 0)
}
