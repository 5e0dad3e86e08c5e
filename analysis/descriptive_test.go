package analysis

import (
	"math"
	"testing"
)

// TestDescriptivesBushtucker: condition means and SDs of Field's
// Bushtucker data as JASP prints them in its test suite
// (jasp-stats/jasp-desktop, JASP-Tests/R/tests/testthat/
// test-anovarepeatedmeasures.R, "Fields Book - Chapter 8 results match",
// descriptives table; 7 significant digits). SEM is SD/√8.
func TestDescriptivesBushtucker(t *testing.T) {
	tests := []struct {
		col      int
		mean, sd float64
	}{
		{0, 8.125, 2.232071},
		{1, 4.25, 1.832251},
		{2, 4.125, 2.748376},
		{3, 5.75, 2.915476},
	}
	for _, tt := range tests {
		x := column(bushtucker, tt.col)
		near(t, bushtuckerNames[tt.col]+" mean", Mean(x), tt.mean, 1e-12)
		near(t, bushtuckerNames[tt.col]+" SEM", SEM(x), tt.sd/math.Sqrt(8), 5e-7/math.Sqrt(8))
	}
}

func TestDescriptivesEdgeCases(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name      string
		x         []float64
		mean, sem float64
	}{
		{"empty", nil, nan, nan},
		{"one value", []float64{3}, 3, nan},
		{"two values", []float64{1, 3}, 2, 1}, // SD √2, SEM √2/√2
		{"1..4", []float64{1, 2, 3, 4}, 2.5, math.Sqrt(5.0/3) / 2},
		{"constant", []float64{7, 7, 7}, 7, 0},
		{"NaN propagates", []float64{1, nan, 3}, nan, nan},
	}
	for _, tt := range tests {
		near(t, tt.name+": Mean", Mean(tt.x), tt.mean, 1e-12)
		near(t, tt.name+": SEM", SEM(tt.x), tt.sem, 1e-12)
	}
}

// TestSDAndCI95: SD from JASP's Bushtucker table (see above); the t
// quantiles are the printed table values t(0.975, 1) = 12.7062 and
// t(0.975, 7) = 2.3646 (e.g. Zar 2010, Appendix Table B.3), also R's
// qt(0.975, 1) = 12.7062047361747 and qt(0.975, 7) = 2.36462425159278.
func TestSDAndCI95(t *testing.T) {
	x := column(bushtucker, 0)
	near(t, "stick insect SD", SD(x), 2.232071, 5e-7)
	near(t, "stick insect CI95", CI95(x), 2.36462425159278*SEM(x), 1e-12)
	near(t, "two values CI95", CI95([]float64{1, 3}), 12.7062047361747, 1e-12)
	near(t, "one value SD", SD([]float64{3}), math.NaN(), 0)
	near(t, "one value CI95", CI95([]float64{3}), math.NaN(), 0)
}
