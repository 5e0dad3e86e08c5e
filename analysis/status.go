package analysis

// A Status says whether a test's statistic is a number. A report must
// tell the two ways of not being one apart: an infinite statistic is a
// result (the effect is perfectly consistent across subjects, p is 0), an
// undefined one is not (there is nothing to test).
type Status int

const (
	// Computed: the statistic and its p are finite numbers.
	Computed Status = iota
	// Infinite: the error term is zero but the effect is not, so the
	// statistic is ±Inf and p is 0. Reason says why.
	Infinite
	// Undefined: effect and error are both zero (0/0), so the statistic
	// and p are NaN. Reason says why.
	Undefined
)

// String is the status as the report's JSON spells it.
func (s Status) String() string {
	switch s {
	case Infinite:
		return "infinite"
	case Undefined:
		return "undefined"
	}
	return "computed"
}
