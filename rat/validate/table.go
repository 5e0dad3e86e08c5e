package validate

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Write prints the report as a table: check, expected, simulated, result,
// then the overall verdict.
func (r Report) Write(w io.Writer) error {
	fmt.Fprintf(w, "Virtual-rat validation (model %s): seed %d, %d rats per cohort (mixed, high, low), %d sessions through the runner in %v\n\n",
		r.Model, r.Seed, r.Rats, r.Sessions, r.Elapsed.Round(1e6))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "check\texpected\tsimulated\tresult\tsource")
	failed := 0
	for _, c := range r.Checks {
		res := "pass"
		if !c.Pass {
			res = "FAIL"
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Name, c.Expected, c.Value, res, c.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed == 0 {
		_, err := fmt.Fprintf(w, "\noverall: PASS (%d checks)\n", len(r.Checks))
		return err
	}
	_, err := fmt.Fprintf(w, "\noverall: FAIL (%d of %d checks failed)\n", failed, len(r.Checks))
	return err
}
