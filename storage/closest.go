package storage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Closest returns the names nearest to s, up to three, all at the same
// smallest case-insensitive edit distance (at most a third of s's length,
// and at least 2): the suggestions a typo gets ("R1O" → "R10").
func Closest(s string, names []string) []string {
	limit := max(2, len([]rune(s))/3)
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, n := range names {
		if d := distance(strings.ToLower(s), strings.ToLower(n)); d <= limit && n != s {
			cs = append(cs, cand{n, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < 3 && cs[i].d == cs[0].d; i++ { // the nearest only
		out = append(out, cs[i].name)
	}
	return out
}

// distance is the Levenshtein distance between a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// suggest adds the closest known names to a not-found error.
func suggest(err error, key string, known func() ([]string, error)) error {
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	names, kerr := known()
	if kerr != nil {
		return err
	}
	if c := Closest(key, names); len(c) > 0 {
		return fmt.Errorf("%w (did you mean %s?)", err, strings.Join(c, " or "))
	}
	return err
}

func (d *DB) subjectIDs(ctx context.Context) ([]string, error) {
	return d.strings(ctx, `SELECT id FROM subjects`)
}

func (d *DB) conditionIDs(ctx context.Context) ([]string, error) {
	return d.strings(ctx, `SELECT id FROM conditions`)
}

func (d *DB) studyNames(ctx context.Context) ([]string, error) {
	return d.strings(ctx, `SELECT name FROM studies`)
}
