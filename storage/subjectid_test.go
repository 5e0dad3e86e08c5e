package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

// TestSubjectIDs: an id is one name for one rat. Every refused id is
// refused by both ways a subject is added (the writer, as the daemon
// does, and the database, as the CLI does) and nothing is stored.
func TestSubjectIDs(t *testing.T) {
	tests := []struct {
		id   string
		want string // "" accepted; else a word of the refusal
	}{
		{"R01", ""},
		{"rat-12_b.3", ""},
		{"Ratte Ü1", ""},
		{"鼠1", ""},
		{strings.Repeat("r", storage.MaxSubjectID), ""},
		{"", "empty"},
		{" R01", "white space"},
		{"R01 ", "white space"},
		{"   ", "white space"},
		{"R0\x001", "control"},
		{"R01\r\n", "white space"},
		{"R0\n1", "white space"},
		{"R0\t1", "white space"},
		{"R\xff01", "UTF-8"},
		{"R\u200b01", "invisible"},
		{"R01\u202e", "invisible"},
		{"\ufeffR01", "invisible"},
		{"a/b", "path"},
		{"R17?x=1#y", "path segments"},
		{"R17#y", "path segments"},
		{"R%2F1", "path segments"},
		{"..", "a path of its own"},
		{".", "a path of its own"},
		{"=HYPERLINK(1)", "formula"},
		{"+R1", "formula"},
		{"-R1", "formula"},
		{"@R1", "formula"},
		{"R1-a", ""},
		{"R1.2", ""},
		{`a\b`, "path"},
		{strings.Repeat("r", storage.MaxSubjectID+1), "at most 64"},
		{strings.Repeat("r", 60*1024), "at most 64"},
	}
	db, w := storagetest.Open(t)
	ctx := context.Background()
	for i, tc := range tests {
		err := storage.CheckSubjectID(tc.id)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q refused: %v", tc.id, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("%q: got %v, want an ErrInvalid saying %q", tc.id, err, tc.want)
		}
		if err := w.AddSubject(storage.Subject{ID: tc.id}); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("case %d: writer added %q: %v", i, tc.id, err)
		}
		if err := db.EnsureSubject(ctx, tc.id); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("case %d: database added %q: %v", i, tc.id, err)
		}
	}
	subjects, err := db.Subjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(subjects) != 0 {
		t.Errorf("refused ids stored: %v", subjects)
	}
}
