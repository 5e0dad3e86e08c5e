package study

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestDayDate(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name    string
		washout time.Duration
		n       int
		want    string
	}{
		{"first day is the start", 48 * time.Hour, 1, "2026-12-01 09:30"},
		{"48 h", 48 * time.Hour, 2, "2026-12-03 09:30"},
		{"48 h, day 4", 48 * time.Hour, 4, "2026-12-07 09:30"},
		{"72 h, day 3", 72 * time.Hour, 3, "2026-12-07 09:30"},
		{"a week crosses the month", 7 * 24 * time.Hour, 5, "2026-12-29 09:30"},
		{"60 h rounds up to 3 days", 60 * time.Hour, 2, "2026-12-04 09:30"},
		{"60 h stays 3 days apart", 60 * time.Hour, 3, "2026-12-07 09:30"},
		{"an hour over 2 days is 3", 49 * time.Hour, 2, "2026-12-04 09:30"},
		{"no washout", 0, 5, "2026-12-01 09:30"},
		{"negative washout as 0", -time.Hour, 3, "2026-12-01 09:30"},
		{"day 0 as day 1", 48 * time.Hour, 0, "2026-12-01 09:30"},
	}
	for _, tt := range tests {
		if got := DayDate(start, tt.washout, tt.n).Format("2006-01-02 15:04"); got != tt.want {
			t.Errorf("%s: DayDate(%v, %d) = %s, want %s", tt.name, tt.washout, tt.n, got, tt.want)
		}
	}
}

// TestDayDateKeepsWashout: consecutive drug days are never closer than
// the washout, whatever the washout.
func TestDayDateKeepsWashout(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for h := 1; h <= 24*10; h++ {
		w := time.Duration(h) * time.Hour
		for n := 1; n < 8; n++ {
			if gap := DayDate(start, w, n+1).Sub(DayDate(start, w, n)); gap < w {
				t.Fatalf("washout %v: days %d and %d are %v apart", w, n, n+1, gap)
			}
		}
	}
}

// TestDayDateDaylightSaving: across the end of summer time in Europe
// (2026-10-25) test days stay at the same clock time.
func TestDayDateDaylightSaving(t *testing.T) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	start := time.Date(2026, 10, 23, 10, 0, 0, 0, loc)
	got := DayDate(start, 48*time.Hour, 2)
	if want := time.Date(2026, 10, 25, 10, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("DayDate across DST = %v, want %v", got, want)
	}
}

func TestSchedule(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	d := func(day int) time.Time { return start.AddDate(0, 0, day) }
	orders := map[string][]string{
		"R02": {"atx-1.0", "vehicle"},
		"R01": {"vehicle", "atx-1.0"},
	}
	tests := []struct {
		name    string
		washout time.Duration
		orders  map[string][]string
		want    []TestDay
		err     error
	}{
		{
			"48 h, sorted by date then subject", 48 * time.Hour, orders,
			[]TestDay{
				{"R01", 1, "vehicle", d(0)},
				{"R02", 1, "atx-1.0", d(0)},
				{"R01", 2, "atx-1.0", d(2)},
				{"R02", 2, "vehicle", d(2)},
			}, nil,
		},
		{
			"60 h rounds up", 60 * time.Hour, map[string][]string{"R01": {"a", "b", "c"}},
			[]TestDay{{"R01", 1, "a", d(0)}, {"R01", 2, "b", d(3)}, {"R01", 3, "c", d(6)}}, nil,
		},
		{"negative washout", -time.Hour, orders, nil, ErrDesign},
		{"no subjects", 48 * time.Hour, nil, nil, ErrDesign},
		{"empty subject", 48 * time.Hour, map[string][]string{"": {"a"}}, nil, ErrDesign},
		{"empty condition", 48 * time.Hour, map[string][]string{"R01": {"a", ""}}, nil, ErrDesign},
	}
	for _, tt := range tests {
		got, err := Schedule(start, tt.washout, tt.orders)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestScheduleFromAssign: the plan of an assigned study has every subject
// on every condition once, one drug day per washout.
func TestScheduleFromAssign(t *testing.T) {
	subjects := []string{"R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08"}
	conds := []string{"vehicle", "atx-0.1", "atx-0.3", "atx-1.0"}
	orders, err := Assign(subjects, conds, 2026)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	days, err := Schedule(start, 72*time.Hour, orders)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != len(subjects)*len(conds) {
		t.Fatalf("%d test days, want %d", len(days), len(subjects)*len(conds))
	}
	got := map[string]map[string]bool{}
	for i, td := range days {
		if got[td.Subject] == nil {
			got[td.Subject] = map[string]bool{}
		}
		got[td.Subject][td.Condition] = true
		if want := start.AddDate(0, 0, 3*(td.Day-1)); !td.Date.Equal(want) {
			t.Errorf("%s day %d on %v, want %v", td.Subject, td.Day, td.Date, want)
		}
		if td.Condition != orders[td.Subject][td.Day-1] {
			t.Errorf("%s day %d is %s, order says %s", td.Subject, td.Day, td.Condition, orders[td.Subject][td.Day-1])
		}
		if i > 0 && days[i-1].Date.After(td.Date) {
			t.Errorf("day %d out of date order", i)
		}
	}
	for _, s := range subjects {
		if len(got[s]) != len(conds) {
			t.Errorf("%s gets %v", s, got[s])
		}
	}
}
