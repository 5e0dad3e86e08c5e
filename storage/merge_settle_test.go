package storage_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// open opens a database file for a test, closed when it ends.
func open(t *testing.T, path string) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// twoHosts makes two chamber PCs' files with rat R01 on both: host A
// corrects its sex, excludes a session and reinstates it, notes and weighs
// it; host B weighs it on another day.
func twoHosts(t *testing.T, dir string) (a, b string) {
	t.Helper()
	ctx := context.Background()
	a, b = filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	hostDB(t, a, "R01", 2, 100)
	hostDB(t, b, "R01", 1, 200)
	da := open(t, a)
	w, err := da.NewWriter()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if _, err := w.EditSubject(ctx, da, storage.Edit{ID: "R01", Set: map[string]string{"sex": "female"}, By: "ana", Why: "sexed wrong", At: at}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	ss, _ := da.Sessions(ctx, storage.Filter{})
	must(t, da.Exclude(ctx, ss[0].ID, "ana", "dispenser jammed", at))
	must(t, da.Reinstate(ctx, ss[0].ID, "ana", "it was the other box", at.Add(time.Hour)))
	must(t, da.Exclude(ctx, ss[1].ID, "ana", "sick", at))
	must(t, da.AddNote(ctx, "subject", "R01", "ana", "sneezing", at))
	_, err = da.AddWeight(ctx, "R01", "2026-03-02", 300, 350, "ana", at)
	must(t, err)
	db := open(t, b)
	_, err = db.AddWeight(ctx, "R01", "2026-03-03", 301, 0, "ben", at)
	must(t, err)
	return a, b
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestMergeSettlesByCorrection: two hosts' files, one with a corrected
// subject, merged both ways (and into a third file in both orders) come
// out the same: the corrected sex, the correction itself, the exclusions
// with the reinstatement, the notes and both weights; merging again adds
// nothing.
func TestMergeSettlesByCorrection(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := twoHosts(t, dir)
	copyOf := func(src, name string) string {
		p := filepath.Join(dir, name)
		if _, err := storage.SQLOf(open(t, src)).Exec(`VACUUM INTO ?`, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	targets := map[string][]string{ // the target, then the files merged into it
		"b into a":     {copyOf(a, "a2.db"), b},
		"a into b":     {copyOf(b, "b2.db"), a},
		"lab a then b": {filepath.Join(dir, "lab1.db"), a, b},
		"lab b then a": {filepath.Join(dir, "lab2.db"), b, a},
	}
	for name, files := range targets {
		t.Run(name, func(t *testing.T) {
			d := open(t, files[0])
			for round := 0; round < 2; round++ {
				for _, f := range files[1:] {
					res, err := d.Merge(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					// Settled may say again that b's "male" lost to the correction.
					if round == 1 && (res.Sessions+res.Corrections+res.Exclusions+res.Notes+res.Weights+res.Audit != 0) {
						t.Errorf("merging %s again: %+v", f, res)
					}
				}
			}
			s, _ := d.Subject(ctx, "R01")
			trail, _ := d.Corrections(ctx, "subjects", "R01")
			ss, _ := d.Sessions(ctx, storage.Filter{})
			ex, _ := d.Exclusions(ctx, "")
			notes, _ := d.Notes(ctx, "")
			ws, _ := d.Weights(ctx, "R01")
			audit, _ := d.Audit(ctx)
			if s.Sex != "female" || len(trail) != 1 || trail[0].New != "female" || len(ss) != 3 || len(ex) != 1 || ex[0].Why != "sick" ||
				len(notes) != 1 || len(ws) != 2 || ws[1].FreeFeeding != 350 || len(audit) != 3 {
				t.Errorf("after merging: sex %q, trail %+v, %d sessions, exclusions %+v, %d notes, weights %+v, audit %d",
					s.Sex, trail, len(ss), ex, len(notes), ws, len(audit))
			}
		})
	}
}

// TestMergeDifferenceWithoutCorrection: a field no correction explains
// refuses the file naming the subject, the field and both values; --prefer
// settles it with a correction of its own, which settles the reverse merge
// too. A body weight that differs is refused likewise.
func TestMergeDifferenceWithoutCorrection(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, c := filepath.Join(dir, "a.db"), filepath.Join(dir, "c.db")
	hostDB(t, a, "R01", 1, 100)
	hostDB(t, c, "R01", 1, 300)
	da, dc := open(t, a), open(t, c)
	_, err := storage.SQLOf(dc).Exec(`UPDATE subjects SET strain = 'Lister Hooded'`) // recorded so on C, no correction
	must(t, err)
	_, err = da.Merge(ctx, c)
	if err == nil || !strings.Contains(err.Error(), `subject R01: strain is "" here and "Lister Hooded" in`) || !strings.Contains(err.Error(), "--prefer this|other") {
		t.Fatalf("unexplained difference: %v", err)
	}
	if ss, _ := da.Sessions(ctx, storage.Filter{}); len(ss) != 1 {
		t.Fatalf("a refused merge added sessions: %d", len(ss))
	}
	if _, err := da.MergeWith(ctx, c, storage.MergeOptions{Prefer: "this"}); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("--prefer without --by: %v", err)
	}
	res, err := da.MergeWith(ctx, c, storage.MergeOptions{Prefer: "this", By: "ana"})
	if err != nil || len(res.Settled) != 1 || res.Sessions != 1 {
		t.Fatalf("--prefer this: %+v, %v", res, err)
	}
	// The reverse merge needs no --prefer: the correction says "".
	if _, err := dc.Merge(ctx, a); err != nil {
		t.Fatal(err)
	}
	if s, _ := dc.Subject(ctx, "R01"); s.Strain != "" {
		t.Errorf("reverse merge: strain %q, want the settled \"\"", s.Strain)
	}
	// Body weights of one day that differ.
	_, err = da.AddWeight(ctx, "R01", "2026-03-02", 300, 0, "ana", time.Now())
	must(t, err)
	_, err = dc.AddWeight(ctx, "R01", "2026-03-02", 310, 0, "ben", time.Now())
	must(t, err)
	if _, err := da.Merge(ctx, c); err == nil || !strings.Contains(err.Error(), "body weight of R01 on 2026-03-02 is 300.0 g here and 310.0 g in") {
		t.Errorf("differing weight: %v", err)
	}
	if _, err := da.MergeWith(ctx, c, storage.MergeOptions{Prefer: "other", By: "ana"}); err != nil {
		t.Fatal(err)
	}
	if ws, _ := da.Weights(ctx, "R01"); len(ws) != 1 || ws[0].Grams != 310 {
		t.Errorf("weights after --prefer other: %+v", ws)
	}
}

// TestMergeCoversEveryTable: every table of the schema is merged or
// listed in storage.NotMerged with the reason; a migration that adds a
// table must say which.
func TestMergeCoversEveryTable(t *testing.T) {
	d := open(t, filepath.Join(t.TempDir(), "x.db"))
	rows, err := storage.SQLOf(d).Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	must(t, err)
	defer rows.Close()
	merged := []string{"subjects", "conditions", "studies", "study_conditions", "study_subjects", "study_plan", "blinding_keys",
		"sessions", "attempts", "events", "corrections", "exclusions", "audit", "body_weights", "notes", "programmes", "training_changes", "param_sets", "sealed_keys", "blind_members"}
	for rows.Next() {
		var name string
		must(t, rows.Scan(&name))
		if _, skipped := storage.NotMerged[name]; !skipped && !slices.Contains(merged, name) {
			t.Errorf("table %s is neither merged (storage/merge*.go) nor in storage.NotMerged", name)
		}
	}
}

// TestMergeNewestCorrectionWins: when both files corrected a field, the
// newer correction wins either way round, to the fraction of a second.
func TestMergeNewestCorrectionWins(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	paths := map[string]string{"a": filepath.Join(dir, "a.db"), "b": filepath.Join(dir, "b.db")}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for name, sex := range map[string]string{"a": "female", "b": ""} {
		hostDB(t, paths[name], "R01", 1, map[string]uint64{"a": 100, "b": 200}[name])
		d := open(t, paths[name])
		w, err := d.NewWriter()
		must(t, err)
		when := at // b's at 09:00:00, a's half a second later
		if name == "a" {
			when = at.Add(500 * time.Millisecond)
		}
		_, err = w.EditSubject(ctx, d, storage.Edit{ID: "R01", Set: map[string]string{"sex": sex}, By: name, Why: "checked", At: when})
		must(t, err)
		must(t, w.Close())
	}
	for _, into := range []string{"a", "b"} {
		from := map[string]string{"a": "b", "b": "a"}[into]
		d := open(t, paths[into])
		if _, err := d.Merge(ctx, paths[from]); err != nil {
			t.Fatal(err)
		}
		if s, _ := d.Subject(ctx, "R01"); s.Sex != "female" {
			t.Errorf("%s merged into %s: sex %q, want a's newer female", from, into, s.Sex)
		}
	}
}
