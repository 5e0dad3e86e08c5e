package main

import (
	"context"
	"fmt"
	"io"
	"reflect"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// cmdRescore recomputes stored sessions from their raw event logs and
// compares the result with the stored attempts and measures: the check that
// what a session scored is exactly what its events imply.
func cmdRescore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rescore", "rescore --db FILE [--session ID] [--study NAME]", stderr)
	db := fs.String("db", "fivechoice.db", "database `file`")
	session := fs.String("session", "", "only this session")
	study := fs.String("study", "", "only this study's sessions")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	d, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	var sessions []storage.Session
	if *session != "" {
		s, err := d.Session(ctx, *session)
		if err != nil {
			return err
		}
		sessions = append(sessions, s)
	} else if sessions, err = d.Sessions(ctx, storage.Filter{Study: *study}); err != nil {
		return err
	}
	bad := 0
	for _, s := range sessions {
		problem, err := rescore(ctx, d, s)
		if err != nil {
			return err
		}
		if problem != "" {
			bad++
			fmt.Fprintf(stdout, "DIFFERS %s: %s\n", s.ID, problem)
		}
	}
	fmt.Fprintf(stdout, "%d sessions rescored from their event logs, %d differ\n", len(sessions), bad)
	if bad > 0 {
		return &exitError{code: 1}
	}
	return nil
}

func rescore(ctx context.Context, d *storage.DB, s storage.Session) (string, error) {
	if s.Status == storage.StatusRunning {
		return "", nil // still being written
	}
	events, err := d.Events(ctx, s.ID)
	if err != nil {
		return "", err
	}
	stored, err := d.Attempts(ctx, s.ID)
	if err != nil {
		return "", err
	}
	var log []protocols.LogEntry
	for _, e := range events {
		log = append(log, storage.LogEntry(e))
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
