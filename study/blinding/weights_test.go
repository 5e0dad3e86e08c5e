package blinding

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage/storagetest"
)

// TestDoseUsesTodaysWeight: the volume is worked out from the latest
// weight on or before the dosing day, never one entered for a later day;
// a weight days old says to weigh the rat again; none says so.
func TestDoseUsesTodaysWeight(t *testing.T) {
	ctx := context.Background()
	d, _ := storagetest.Open(t, "R01", "R02", "R03")
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.Local)
	for _, w := range []struct {
		rat, day string
		grams    float64
	}{{"R01", "2026-12-03", 300}, {"R01", "2026-12-04", 310}, {"R01", "2026-12-05", 350}, {"R02", "2026-11-20", 320}} {
		if _, err := d.AddWeight(ctx, w.rat, w.day, w.grams, 0, "ana", now); err != nil {
			t.Fatal(err)
		}
	}
	e := Entry{Code: "S/A", Drug: "atomoxetine", DoseMgPerKg: 1}
	for _, c := range []struct {
		rat   string
		grams float64
		note  string
	}{{"R01", 310, ""}, {"R02", 320, "weighed 14 days ago"}, {"R03", 0, NoWeight}} {
		dose, err := doseOf(ctx, d, c.rat, e, 1, now)
		if err != nil {
			t.Fatal(err)
		}
		if dose.Grams != c.grams || (c.note == "") != (dose.Note == "") || !strings.Contains(dose.Note, c.note) {
			t.Errorf("%s: %v g, note %q; want %v g, note %q", c.rat, dose.Grams, dose.Note, c.grams, c.note)
		}
	}
}
