package storage

import (
	"context"
	"fmt"
	"reflect"

	"github.com/fivechoice/fivechoice/protocols"
)

// Rescore recomputes a stored session from its raw event log and compares
// the result with its stored attempts and measures: the check that what a
// session scored is exactly what its events imply. difference is empty if
// they agree, and says where they first differ if not; err is a failure to
// read. A session still running is not rescored (it is being written).
func (d *DB) Rescore(ctx context.Context, session string) (difference string, err error) {
	s, err := d.Session(ctx, session)
	if err != nil {
		return "", err
	}
	if s.Status == StatusRunning {
		return "", nil
	}
	events, err := d.Events(ctx, s.ID)
	if err != nil {
		return "", err
	}
	stored, err := d.Attempts(ctx, s.ID)
	if err != nil {
		return "", err
	}
	log := make([]protocols.LogEntry, 0, len(events))
	for _, e := range events {
		log = append(log, LogEntry(e))
	}
	again, err := protocols.Replay(s.Params, log, s.Ended, s.EndReason)
	if err != nil {
		return fmt.Sprintf("replay failed: %v", err), nil
	}
	got := again.Attempts()
	if len(got) != len(stored) {
		return fmt.Sprintf("%d attempts stored, %d from the events", len(stored), len(got)), nil
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], stored[i]) {
			return fmt.Sprintf("attempt %d: stored %+v, from the events %+v", i+1, stored[i], got[i]), nil
		}
	}
	sum, err := d.Summary(ctx, s.ID)
	if err != nil {
		return "", err
	}
	if want := protocols.Score(got, again.MagazineEntries()); !reflect.DeepEqual(sum, want) {
		return "the stored measures differ from the rescored ones", nil
	}
	return "", nil
}
