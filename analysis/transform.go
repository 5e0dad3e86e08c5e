package analysis

import (
	"fmt"
	"math"
)

// A Transform is applied to every value before the tests, to bring count
// and percentage data closer to what the ANOVA assumes (normal errors of
// equal variance). Descriptives stay in the measure's own units; only the
// tests see transformed values, and a report must say which transform each
// test used.
type Transform string

// The transforms labs apply before a repeated-measures ANOVA.
const (
	// NoTransform tests the values as they are.
	NoTransform Transform = "none"
	// SqrtCount is √(x + ½), for counts such as premature and perseverative
	// responses. Counts are roughly Poisson, whose variance equals the mean;
	// the square root makes the variance about constant, and adding ½ keeps
	// it so for the small counts (0, 1, 2 ...) a rat often makes: Bartlett
	// (1936), "The square root transformation in analysis of variance",
	// Supplement to the Journal of the Royal Statistical Society 3:68-78;
	// Zar (2010), Biostatistical Analysis, 5th ed., sec. 13.2.
	SqrtCount Transform = "sqrt"
	// ArcsineSqrtPercent is arcsin √(x/100) in radians, for percentages
	// such as accuracy and omissions. Binomial proportions have variance
	// p(1−p)/n, smallest near 0 and 100 %; the angular transformation makes
	// it about constant: Bartlett (1947), "The use of transformations",
	// Biometrics 3:39-52; Zar (2010), sec. 13.3. Warton & Hui (2011), "The
	// arcsine is asinine", Ecology 92:3-10, argue for logistic models
	// instead; the transform is offered because reviewers of 5-CSRTT
	// papers expect it, not as the best analysis of proportions.
	ArcsineSqrtPercent Transform = "arcsine"
)

// ParseTransform reads a transform by the name it has in flags and JSON:
// none, sqrt or arcsine.
func ParseTransform(s string) (Transform, error) {
	switch t := Transform(s); t {
	case NoTransform, SqrtCount, ArcsineSqrtPercent:
		return t, nil
	case "":
		return NoTransform, nil
	}
	return "", fmt.Errorf("transform %q: want none, sqrt or arcsine", s)
}

// Apply transforms one value. A count below 0 or a percentage outside
// [0, 100] is refused with ErrNotFinite wrapped: it is not data the
// transform is meant for, and a NaN would silently drop the subject.
func (t Transform) Apply(x float64) (float64, error) {
	switch t {
	case SqrtCount:
		if x < 0 {
			return math.NaN(), fmt.Errorf("square root transform of %v: a count cannot be negative: %w", x, ErrNotFinite)
		}
		return math.Sqrt(x + 0.5), nil
	case ArcsineSqrtPercent:
		if x < 0 || x > 100 {
			return math.NaN(), fmt.Errorf("arcsine transform of %v: a percentage must be in [0, 100]: %w", x, ErrNotFinite)
		}
		return math.Asin(math.Sqrt(x / 100)), nil
	}
	return x, nil
}

// Formula is the transform as a report prints it.
func (t Transform) Formula() string {
	switch t {
	case SqrtCount:
		return "√(x + 0.5)"
	case ArcsineSqrtPercent:
		return "arcsin √(x/100)"
	}
	return "x (untransformed)"
}

// Reference is the source a methods section cites for the transform.
func (t Transform) Reference() string {
	switch t {
	case SqrtCount:
		return "Bartlett (1936), Suppl. J. R. Stat. Soc. 3:68-78; Zar (2010), Biostatistical Analysis, 5th ed., sec. 13.2"
	case ArcsineSqrtPercent:
		return "Bartlett (1947), Biometrics 3:39-52; Zar (2010), Biostatistical Analysis, 5th ed., sec. 13.3"
	}
	return ""
}
