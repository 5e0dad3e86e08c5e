package main

import (
	"context"
	"fmt"
	"io"

	"github.com/fivechoice/fivechoice/storage"
)

// cmdRescore rescores stored sessions from their raw event logs (see
// storage.DB.Rescore) and lists those whose stored attempts or measures
// differ.
func cmdRescore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rescore", "rescore --db FILE [--session ID] [--study NAME]", stderr)
	db := dbFlag(fs)
	session := fs.String("session", "", "only this session")
	study := fs.String("study", "", "only this study's sessions")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	var sessions []storage.SessionRecord
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
		problem, err := d.Rescore(ctx, s.ID)
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
