package simulate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseSizes reads group sizes: "6..24" (every step-th size from 6 to 24,
// the last included; step 0 chooses about seven sizes), or a list
// "6,8,12,16".
func ParseSizes(s string, step int) ([]int, error) {
	bad := func() ([]int, error) {
		return nil, fmt.Errorf("subjects %q: want a range such as 6..24 or a list such as 6,8,12", s)
	}
	if lo, hi, ok := strings.Cut(s, ".."); ok {
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a > b {
			return bad()
		}
		if step <= 0 {
			step = max(1, (b-a+5)/6)
		}
		var out []int
		for n := a; n < b; n += step {
			out = append(out, n)
		}
		return append(out, b), nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || (len(out) > 0 && n <= out[len(out)-1]) {
			return bad()
		}
		out = append(out, n)
	}
	return out, nil
}

// Sentence is what a lab can write into a licence application: the
// smallest group size reaching the target power for the ANOVA and for
// every condition against the reference, with the model's assumptions.
func Sentence(p Power, rows []PowerRow, target float64) string {
	first := func(pass func(PowerRow) bool) string {
		for i, r := range rows {
			if !pass(r) {
				continue
			}
			if i == 0 {
				// Reached at the smallest size simulated: fewer rats may
				// do, and the sentence must not claim this is the minimum.
				return fmt.Sprintf("%d rats (the smallest size simulated; fewer may suffice)", r.Subjects)
			}
			return fmt.Sprintf("%d rats", r.Subjects)
		}
		return fmt.Sprintf("more than %d rats (not reached in the sizes simulated)", rows[len(rows)-1].Subjects)
	}
	anova := first(func(r PowerRow) bool { return r.ANOVA >= target })
	names := make([]string, len(p.Conditions))
	for i, c := range p.Conditions {
		names[i] = c.ID
	}
	var each []string
	for i, c := range p.Conditions[1:] {
		each = append(each, c.ID+": "+first(func(r PowerRow) bool { return r.VsRef[i] >= target }))
	}
	all := strings.Join(each, "; ")
	return fmt.Sprintf("Group size was justified by simulation (fivechoice, seed %d): %d whole within-subject studies per group size "+
		"of virtual rats calibrated to published 5-CSRTT data (docs/virtual-rat.md), each rat tested under every condition (%s, "+
		"%s protocol) and analysed as planned (repeated-measures ANOVA on %s, then each dose against %s by paired t-tests with "+
		"Holm's correction, alpha %.2g). %s give at least %.0f%% power for the ANOVA; %.0f%% power for each dose against %s needs %s. "+
		"Assumptions: the drug's effect and its dependence on baseline impulsivity as modelled (%s phenotype mix), "+
		"between-rat variation as in the calibrated population, no carry-over or order effects between test days, and no "+
		"exclusions; add the expected attrition to the number.",
		p.Seed, p.Studies, strings.Join(names, ", "), p.Protocol, p.Measure, names[0], p.Alpha,
		capital(anova), 100*target, 100*target, names[0], all, p.Phenotype)
}

func capital(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// Rate is a measured speed of virtual sessions.
type Rate struct {
	Sessions int
	Elapsed  time.Duration
}

// PerSecond is the rate in sessions per second.
func (r Rate) PerSecond() float64 { return float64(r.Sessions) / r.Elapsed.Seconds() }
