package storage_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

func TestClosest(t *testing.T) {
	names := []string{"R01", "R02", "R10", "vehicle", "atx-0.1", "atx-1.0", "atx-3.0"}
	for _, tc := range []struct {
		s    string
		want []string
	}{
		{"R1O", []string{"R10"}},
		{"vehicel", []string{"vehicle"}},
		{"atx-1", []string{"atx-0.1", "atx-1.0"}},
		{"ATX-0.1", []string{"atx-0.1"}},
		{"zzzzzz", nil},
	} {
		if got := storage.Closest(tc.s, names); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.s, got, tc.want)
		}
	}
}

// TestNotFoundSuggests: a lookup of an unknown subject, condition or study
// names the closest known ones.
func TestNotFoundSuggests(t *testing.T) {
	ctx := context.Background()
	db, _ := storagetest.Open(t, "R01", "R10")
	if _, err := db.Subject(ctx, "R1O"); err == nil || !strings.Contains(err.Error(), "did you mean R10") {
		t.Errorf("subject: %v", err)
	}
	if _, err := db.Condition(ctx, "atx-1"); err == nil || !strings.Contains(err.Error(), "atx-1.0?") {
		t.Errorf("condition: %v", err)
	}
	if _, err := db.Condition(ctx, "zzzzzzzz"); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("nothing close: %v", err)
	}
}
