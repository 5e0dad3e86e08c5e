package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

// TestRunSheet: entries take the chamber's next squad, come back by squad
// then chamber, refuse what does not exist with its name, keep the
// session started from them, and once started cannot be removed.
func TestRunSheet(t *testing.T) {
	ctx := context.Background()
	db, w := storagetest.Open(t, "R01", "R02", "R03")
	day := "2026-03-14"
	add := func(chamber, subject string) int64 {
		t.Helper()
		e := storage.RunEntry{Day: day, Chamber: chamber, Subject: subject, Protocol: "baseline", Condition: "vehicle"}
		if err := db.CheckRunEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
		id, err := w.AddRunEntry(e)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := add("box2", "R01")
	add("box1", "R02")
	add("box2", "R03")
	sheet, err := db.RunSheet(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range sheet {
		got = append(got, e.Chamber+":"+e.Subject+":"+string(rune('0'+e.Squad)))
	}
	if strings.Join(got, " ") != "box1:R02:1 box2:R01:1 box2:R03:2" {
		t.Errorf("run sheet %v", got)
	}
	if _, err := w.AddRunEntry(storage.RunEntry{Day: day, Chamber: "box1", Squad: 1, Subject: "R03", Protocol: "baseline", Condition: "vehicle"}); !errors.Is(err, storage.ErrExists) {
		t.Errorf("a second rat in box1's squad 1: %v, want ErrExists", err)
	}
	for _, tc := range []struct {
		e    storage.RunEntry
		want string
	}{
		{storage.RunEntry{Day: day, Chamber: "box1", Subject: "R9", Protocol: "baseline", Condition: "vehicle"}, "subject R9"},
		{storage.RunEntry{Day: day, Chamber: "box1", Subject: "R01", Protocol: "baseline", Condition: "vehicel"}, "vehicel"},
		{storage.RunEntry{Day: day, Chamber: "box1", Subject: "R01", Study: "nope"}, "nope"},
		{storage.RunEntry{Day: day, Chamber: "box1", Subject: "R01", Study: "S", Condition: "vehicle"}, "either a study"},
		{storage.RunEntry{Day: "14/03/2026", Chamber: "box1", Subject: "R01", Protocol: "baseline", Condition: "vehicle"}, "YYYY-MM-DD"},
	} {
		if err := db.CheckRunEntry(ctx, tc.e); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error naming %s", tc.e, err, tc.want)
		}
	}
	if err := w.MarkRunEntry(first, "session-1"); err != nil {
		t.Fatal(err)
	}
	if e, err := db.RunEntry(ctx, first); err != nil || e.Session != "session-1" {
		t.Errorf("marked entry %+v, %v", e, err)
	}
	if err := db.RemoveRunEntry(ctx, first); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("removing a started entry: %v, want ErrInvalid", err)
	}
	if err := db.RemoveRunEntry(ctx, first+1); err != nil {
		t.Errorf("removing an entry not started: %v", err)
	}
	if err := db.RemoveRunEntry(ctx, 999); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("removing an unknown entry: %v", err)
	}
}

// TestRunSheetSeesSessionsElsewhere: a rat run that day from outside its
// entry (the grid, the API) is named on the entry, so the sheet does not
// have it run twice.
func TestRunSheetSeesSessionsElsewhere(t *testing.T) {
	ctx := context.Background()
	db, w := storagetest.Open(t, "R01", "R02")
	day := "2026-03-14"
	for _, s := range []string{"R01", "R02"} {
		if _, err := w.AddRunEntry(storage.RunEntry{Day: day, Chamber: "box1", Subject: s, Protocol: "baseline", Condition: "vehicle"}); err != nil {
			t.Fatal(err)
		}
	}
	at, _ := time.ParseInLocation("2006-01-02 15:04", day+" 09:30", time.Local)
	log, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{Subject: "R02", Condition: "vehicle", Params: protocols.Default(), StartedAt: at}})
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := db.RunSheet(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sheet {
		if want := map[string]string{"R01": "", "R02": log.ID()}[e.Subject]; e.Elsewhere != want {
			t.Errorf("%s: elsewhere %q, want %q", e.Subject, e.Elsewhere, want)
		}
	}
}
