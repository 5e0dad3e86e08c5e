package validate

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
)

// TestValidation runs the literature checks with full cohorts for several
// seeds (one under -short, and with 96 rats under the race detector, which
// makes sessions twenty times slower); every check must pass. The seeds
// are arbitrary: the criteria hold for any (docs/virtual-rat.md gives the
// runs behind that), and 96 rats are still decisive.
func TestValidation(t *testing.T) {
	seeds, rats := []uint64{2027, 5151, 90210, 31337, 1, 2, 3, 42}, DefaultRats
	if testing.Short() || raceEnabled {
		seeds = seeds[:1]
	}
	if raceEnabled {
		rats = 96
	}
	for _, seed := range seeds {
		rep, err := Run(context.Background(), Options{Seed: seed, Rats: rats})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Checks) < 45 || rep.Sessions <= len(allArms())*rats { // the arms, then the acquisition cohort
			t.Fatalf("seed %d: %d checks over %d sessions", seed, len(rep.Checks), rep.Sessions)
		}
		if !rep.Passed() {
			var b strings.Builder
			rep.Write(&b)
			t.Errorf("seed %d: validation failed:\n%s", seed, b.String())
		}
	}
}

// TestValidationIsSeeded: the same seed gives the same figures.
func TestValidationIsSeeded(t *testing.T) {
	run := func(workers int) Report {
		rep, err := Run(context.Background(), Options{Seed: 42, Rats: 8, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	a, b := run(1), run(4)
	for i := range a.Checks {
		if a.Checks[i] != b.Checks[i] {
			t.Fatalf("check %d differs between runs:\n%+v\n%+v", i, a.Checks[i], b.Checks[i])
		}
	}
}

func TestTooFewRats(t *testing.T) {
	if _, err := Run(context.Background(), Options{Rats: 3}); err == nil {
		t.Error("3 rats accepted")
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Options{Rats: 8}); err == nil {
		t.Error("a canceled validation reported no error")
	}
}

func TestCompleted(t *testing.T) {
	p := protocols.Default()
	s := time.Second
	as := []protocols.Attempt{
		{Outcome: protocols.Correct, Response: 100 * s},
		{Outcome: protocols.Premature, Response: 200 * s},
		{Outcome: protocols.Omission, Onset: 590 * s, SD: s / 2},  // window closes at 595.5 s
		{Outcome: protocols.Omission, Onset: 595 * s, SD: s / 2},  // at 600.5 s: too late
		{Outcome: protocols.Incorrect, Response: 600 * s},         // at the limit: counted
		{Outcome: protocols.Unfinished, Response: protocols.None}, // never
		{Outcome: protocols.Correct, Response: 601 * s},           // too late
	}
	if got := completed(as, p, 10*time.Minute); got != 3 {
		t.Errorf("completed = %d, want 3", got)
	}
}

func TestStats(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		c    comparison
		mean float64
		n    int
	}{
		{"paired skips undefined", paired([]float64{1, 2, nan, 4}, []float64{2, 4, 5, 5}), 4.0 / 3, 3},
		{"paired no change", paired([]float64{1, 2, 3}, []float64{1, 2, 3}), 0, 3},
		{"welch", welch([]float64{1, 2, 3}, []float64{4, 5, 6, 7}), 3.5, 7},
	}
	for _, tt := range tests {
		if math.Abs(tt.c.mean-tt.mean) > 1e-12 || tt.c.n != tt.n || tt.c.lo > tt.c.mean || tt.c.hi < tt.c.mean {
			t.Errorf("%s: %+v, want mean %g over %d", tt.name, tt.c, tt.mean, tt.n)
		}
	}
	if c := paired([]float64{1, 2, 3}, []float64{1, 2, 3}); c.t != 0 {
		t.Errorf("no change: t = %g", c.t)
	}
	// Welch's t for these groups: (5.5 − 2) / √(1/3 + 1.6667/4) = 4.04.
	if c := welch([]float64{1, 2, 3}, []float64{4, 5, 6, 7}); math.Abs(c.t-4.0415) > 1e-3 {
		t.Errorf("welch t = %g", c.t)
	}
}
