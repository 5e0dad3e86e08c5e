package analysis

import (
	"math"
	"testing"
)

// near reports got ≠ want beyond tol. Both NaN counts as equal, and so do
// equal infinities. tol follows the precision the source printed: half a
// unit in its last digit, or 1e-9 where it printed full double precision.
func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	switch {
	case math.IsNaN(want) || math.IsNaN(got):
		if math.IsNaN(want) != math.IsNaN(got) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	case math.IsInf(want, 0) || math.IsInf(got, 0):
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	case math.Abs(got-want) > tol:
		t.Errorf("%s = %.12g, want %.12g (± %g)", what, got, want, tol)
	}
}

// bushtucker is the worked example of A. Field, "Discovering Statistics
// Using SPSS" (3rd ed. 2009, ch. 13; 4th ed. 2013 IBM SPSS ch. 13):
// 8 celebrities, time in seconds until retching while eating four
// bushtucker-trial foods: stick insect, kangaroo testicle, fish eye,
// witchetty grub. The rows were checked against JASP's tests, which read
// Field's own Bushtucker file and print its condition means and SDs
// (8.125 ± 2.232071, 4.25 ± 1.832251, 4.125 ± 2.748376, 5.75 ± 2.915476;
// see TestDescriptivesBushtucker) and its sums of squares (83.125 and
// 153.375).
var bushtucker = [][]float64{
	{8, 7, 1, 6},
	{9, 5, 2, 5},
	{6, 2, 3, 8},
	{5, 3, 1, 9},
	{8, 4, 5, 8},
	{7, 5, 6, 7},
	{10, 2, 7, 2},
	{12, 6, 8, 1},
}

var bushtuckerNames = []string{"stick insect", "kangaroo testicle", "fish eye", "witchetty grub"}

// column returns column j of a matrix.
func column(data [][]float64, j int) []float64 {
	c := make([]float64, len(data))
	for i, row := range data {
		c[i] = row[j]
	}
	return c
}

// columns returns the sub-matrix of the given columns.
func columns(data [][]float64, js ...int) [][]float64 {
	out := make([][]float64, len(data))
	for i, row := range data {
		for _, j := range js {
			out[i] = append(out[i], row[j])
		}
	}
	return out
}
