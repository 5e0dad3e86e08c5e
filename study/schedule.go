package study

import (
	"fmt"
	"sort"
	"time"
)

// A TestDay is one subject's drug day: the Day-th condition of its order,
// given on Date.
type TestDay struct {
	Subject   string
	Day       int // 1 for the first drug day
	Condition string
	Date      time.Time
}

// Schedule lays out every subject's drug days: drug day d (TestDay.Day,
// from 1) falls d−1 washouts after start, in whole calendar days (see
// DayDate). orders is what Assign returns: each subject's conditions in
// test-day order. The result is sorted by date, then subject, then day,
// which is the order a lab works through it.
//
// Errors (wrapping ErrDesign): a negative washout, an empty subject name
// or condition, or no subjects.
func Schedule(start time.Time, washout time.Duration, orders map[string][]string) ([]TestDay, error) {
	if washout < 0 {
		return nil, fmt.Errorf("washout %v is negative: %w", washout, ErrDesign)
	}
	if len(orders) == 0 {
		return nil, fmt.Errorf("a schedule needs subjects: %w", ErrDesign)
	}
	var days []TestDay
	for subject, order := range orders {
		if subject == "" {
			return nil, fmt.Errorf("an empty subject name: %w", ErrDesign)
		}
		for i, c := range order {
			if c == "" {
				return nil, fmt.Errorf("subject %s: day %d has no condition: %w", subject, i+1, ErrDesign)
			}
			days = append(days, TestDay{Subject: subject, Day: i + 1, Condition: c, Date: DayDate(start, washout, i+1)})
		}
	}
	sort.Slice(days, func(i, j int) bool {
		a, b := days[i], days[j]
		if !a.Date.Equal(b.Date) {
			return a.Date.Before(b.Date)
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		return a.Day < b.Day
	})
	return days, nil
}

// DayDate returns the planned date of drug day n (from 1): start plus n−1
// washouts, where the washout is first rounded up to whole days. Rounding
// the washout, not the sum, keeps every gap between consecutive drug days
// at least the washout: with 60 h, days fall 3 days apart (0, 3, 6 ...),
// whereas rounding start + i·60 h would give 0, 3, 5, 8 and a 48 h gap.
// For whole-day washouts (48 h, 72 h, a week) the two agree.
//
// Days are calendar days (time.Time.AddDate), so the time of day of start
// is kept across daylight-saving changes. n < 1 is treated as 1; a
// negative washout as 0.
func DayDate(start time.Time, washout time.Duration, n int) time.Time {
	return start.AddDate(0, 0, max(n-1, 0)*washoutDays(washout))
}

// washoutDays is the washout rounded up to whole days, at least 0.
func washoutDays(washout time.Duration) int {
	const day = 24 * time.Hour
	if washout <= 0 {
		return 0
	}
	return int((washout + day - 1) / day)
}
