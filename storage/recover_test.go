package storage_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// TestRecoverMakesTheRecordWhole: a crash keeps a prefix of the writes,
// which can end between an event and the attempt row it changed (here
// the initiation is stored, the attempt it began is not; and an attempt
// row is stored whose event is not). Recovery makes the attempts what the
// stored events imply, so the session rescores to itself.
func TestRecoverMakesTheRecordWhole(t *testing.T) {
	cases := []struct {
		name     string
		attempts []protocols.Attempt
		want     int
	}{
		{"event without its attempt row", nil, 1},
		{"attempt row without its event", []protocols.Attempt{pendingAttempt(1), pendingAttempt(2)}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "crash.db")
			db, err := storage.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.EnsureSubject(ctx, "R01")
			w, _ := db.NewWriter(storage.WithCommitInterval(time.Millisecond))
			defer w.Close()
			p := protocols.Default()
			p.Seed = 9
			log, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: p, StartedAt: time.Now()}})
			if err != nil {
				t.Fatal(err)
			}
			log.Event(storage.Event{Seq: 1, At: 0, Output: hardware.HouseLight, On: true})
			log.Event(storage.Event{Seq: 2, At: 0, Output: hardware.MagazineLight, On: true})
			log.Event(storage.Event{Seq: 3, At: time.Second, Input: hardware.Magazine, Entry: true, Class: protocols.ClassInitiation, Attempt: 1})
			for _, a := range c.attempts {
				log.Attempt(a)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RecoverInterrupted(ctx); err != nil {
				t.Fatal(err)
			}
			as, _ := db.Attempts(ctx, log.ID())
			if len(as) != c.want || as[0].Outcome != protocols.Unfinished {
				t.Errorf("attempts after recovery: %+v", as)
			}
			if diff, err := db.Rescore(ctx, log.ID()); err != nil || diff != "" {
				t.Errorf("rescore after recovery: %q %v", diff, err)
			}
		})
	}
}

func pendingAttempt(n int) protocols.Attempt {
	return protocols.Attempt{N: n, Target: 1, ITI: 5 * time.Second, SD: time.Second / 2, ITIStart: time.Second, Onset: protocols.None,
		Response: protocols.None, Collection: protocols.None, FirstPremature: protocols.None}
}
