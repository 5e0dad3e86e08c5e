package analysis

import "fmt"

// A Comparison is one condition tested against the reference condition
// (vehicle) by a paired t-test, with its Holm-adjusted p in PHolm.
type Comparison struct {
	Condition string // the column tested
	Reference string // the first column
	TTest
}

// CompareToReference tests every other column of data[subject][condition]
// against column 0, the reference (vehicle), by paired t-tests, and
// Holm-adjusts the p-values across those k−1 comparisons. This is the
// usual follow-up to a repeated-measures ANOVA in a dose study: each dose
// against vehicle, not every pair of doses, so the family is small and the
// tests keep their power. names labels the columns, reference first.
//
// data must be a complete-case matrix as for RepeatedMeasures; names must
// have one distinct, non-empty name per column. A comparison whose p is NaN
// (every difference zero) keeps PHolm NaN and is not counted in the Holm
// family.
func CompareToReference(data [][]float64, names []string) ([]Comparison, error) {
	_, k, err := checkMatrix(data)
	if err != nil {
		return nil, fmt.Errorf("comparisons: %w", err)
	}
	if len(names) != k {
		return nil, fmt.Errorf("comparisons: %d names for %d conditions: %w", len(names), k, ErrShape)
	}
	seen := make(map[string]bool, k)
	for _, s := range names {
		if s == "" || seen[s] {
			return nil, fmt.Errorf("comparisons: condition name %q is empty or repeated: %w", s, ErrShape)
		}
		seen[s] = true
	}
	tests, err := compare(data)
	if err != nil {
		return nil, err
	}
	out := make([]Comparison, len(tests))
	for i, t := range tests {
		out[i] = Comparison{Condition: names[i+1], Reference: names[0], TTest: t}
	}
	return out, nil
}

// Compare is CompareToReference without names: element i is column i+1
// against column 0.
func Compare(data [][]float64) ([]TTest, error) {
	return compare(data)
}

func compare(data [][]float64) ([]TTest, error) {
	n, k, err := checkMatrix(data)
	if err != nil {
		return nil, fmt.Errorf("comparisons: %w", err)
	}
	col := func(j int) []float64 {
		c := make([]float64, n)
		for i, row := range data {
			c[i] = row[j]
		}
		return c
	}
	ref := col(0)
	tests := make([]TTest, 0, k-1)
	ps := make([]float64, 0, k-1)
	for j := 1; j < k; j++ {
		t, err := PairedT(ref, col(j))
		if err != nil {
			return nil, fmt.Errorf("comparisons: condition %d: %w", j+1, err)
		}
		tests = append(tests, t)
		ps = append(ps, t.P)
	}
	for i, p := range Holm(ps) {
		tests[i].PHolm = p
	}
	return tests, nil
}
