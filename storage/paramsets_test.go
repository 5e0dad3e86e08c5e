package storage_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
	"github.com/fivechoice/fivechoice/training"
)

func threeChoice(t *testing.T, iti time.Duration) protocols.Params {
	t.Helper()
	p, err := protocols.Lookup("baseline")
	if err != nil {
		t.Fatal(err)
	}
	p.ActiveHoles = []int{2, 3, 4}
	p.ITI = protocols.Duration(iti)
	return p
}

// TestParamSetVersions: saving a name again makes the next version; each
// version keeps its own parameters, and name@version finds exactly it.
func TestParamSetVersions(t *testing.T) {
	db, _ := storagetest.Open(t)
	ctx := context.Background()
	for i, iti := range []time.Duration{7 * time.Second, 9 * time.Second} {
		p, err := db.SaveParamSet(ctx, storage.ParamSet{Name: "three_choice", BasedOn: "baseline", Params: threeChoice(t, iti), By: "AB", Why: "pilot"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Version != i+1 {
			t.Fatalf("save %d made version %d", i+1, p.Version)
		}
	}
	for _, c := range []struct {
		ref     string
		version int
		iti     time.Duration
	}{{"three_choice", 2, 9 * time.Second}, {"three_choice@1", 1, 7 * time.Second}, {"three_choice@2", 2, 9 * time.Second}} {
		s, err := db.FindSet(ctx, c.ref)
		if err != nil {
			t.Fatalf("%s: %v", c.ref, err)
		}
		if s.Version != c.version || time.Duration(s.Params.ITI) != c.iti || len(s.Params.ActiveHoles) != 3 {
			t.Errorf("%s: got version %d, ITI %v, holes %v", c.ref, s.Version, time.Duration(s.Params.ITI), s.Params.ActiveHoles)
		}
	}
	if s, err := db.FindSet(ctx, "baseline"); err != nil || s.Version != 0 {
		t.Errorf("baseline: %+v, %v", s, err)
	}
	names, _ := db.SetNames(ctx)
	if !strings.HasSuffix(strings.Join(names, ","), "short_sd,three_choice") {
		t.Errorf("set names %v", names)
	}
}

// TestParamSetRefusals: a name that shadows a built-in, a bad parameter,
// a missing reason and an unknown set are refused, each naming what.
func TestParamSetRefusals(t *testing.T) {
	db, _ := storagetest.Open(t)
	ctx := context.Background()
	bad := threeChoice(t, 7*time.Second)
	bad.LimitedHold = protocols.Duration(time.Nanosecond)
	bad.ActiveHoles = []int{2, 6}
	for _, c := range []struct {
		set  storage.ParamSet
		want []string
	}{
		{storage.ParamSet{Name: "baseline", Params: threeChoice(t, time.Second), By: "AB", Why: "x"}, []string{"built-in", "shadow"}},
		{storage.ParamSet{Name: "magazine", Params: threeChoice(t, time.Second), By: "AB", Why: "x"}, []string{"built-in"}},
		{storage.ParamSet{Name: "Bad Name", Params: threeChoice(t, time.Second), By: "AB", Why: "x"}, []string{"lower-case"}},
		{storage.ParamSet{Name: "ok", Params: bad, By: "AB", Why: "x"}, []string{"parameter limited_hold: must be 10ms to 10m0s", "parameter active_holes[1]: hole 6 does not exist"}},
		{storage.ParamSet{Name: "ok", Params: threeChoice(t, time.Second), Why: "x"}, []string{"--by"}},
	} {
		_, err := db.SaveParamSet(ctx, c.set)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("save %s: error %v, want it to say %q", c.set.Name, err, w)
			}
		}
	}
	if sets, _ := db.ParamSets(ctx); len(sets) != 0 {
		t.Errorf("refused sets were saved: %+v", sets)
	}
	for _, ref := range []string{"thre_choice", "baseline@2", "three_choice@x"} {
		if _, err := db.FindSet(ctx, ref); err == nil {
			t.Errorf("%s found", ref)
		}
	}
	if _, err := db.FindSet(ctx, "short_sdd"); !errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), "did you mean short_sd") {
		t.Errorf("short_sdd: %v", err)
	}
}

// TestParamSetImmutable: a saved version, and what a session ran with, can
// be changed by no one, not even by SQL: the database's triggers refuse.
func TestParamSetImmutable(t *testing.T) {
	db, w := storagetest.Open(t, "R01")
	ctx := context.Background()
	v1, err := db.SaveParamSet(ctx, storage.ParamSet{Name: "three_choice", BasedOn: "baseline", Params: threeChoice(t, 7*time.Second), By: "AB", Why: "pilot"})
	if err != nil {
		t.Fatal(err)
	}
	rec := storage.SessionRecord{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Protocol: v1.Set().Ref(), Params: v1.Params, StartedAt: time.Now()}}
	if _, err := w.BeginSession(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveParamSet(ctx, storage.ParamSet{Name: "three_choice", BasedOn: "baseline", Params: threeChoice(t, 9*time.Second), By: "AB", Why: "longer"}); err != nil {
		t.Fatal(err)
	}
	raw := storage.SQLOf(db)
	for _, q := range []string{
		`UPDATE param_sets SET params = json_set(params, '$.iti', '9s') WHERE name = 'three_choice' AND version = 1`,
		`DELETE FROM param_sets WHERE version = 1`,
		`INSERT INTO param_sets (name, version, based_on, params, saved_by, why, saved_at) VALUES ('three_choice', 5, 'baseline', '{}', 'x', 'y', 'z')`,
		`UPDATE sessions SET params = json_set(params, '$.iti', '9s')`,
		`UPDATE sessions SET protocol = 'three_choice@2'`,
	} {
		if _, err := raw.ExecContext(ctx, q); err == nil {
			t.Errorf("allowed: %s", q)
		}
	}
	h, err := db.ParamSetHistory(ctx, "three_choice")
	if err != nil || len(h) != 2 {
		t.Fatalf("history %+v, %v", h, err)
	}
	if h[0].Sessions != 1 || h[1].Sessions != 0 || time.Duration(h[0].Params.ITI) != 7*time.Second || h[0].By != "AB" || h[1].Why != "longer" {
		t.Errorf("history %+v", h)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	list, err := db.Sessions(ctx, storage.Filter{})
	if err != nil || len(list) != 1 || list[0].Protocol != "three_choice@1" || time.Duration(list[0].Params.ITI) != 7*time.Second {
		t.Errorf("stored session %+v, %v", list, err)
	}
}

// TestTrainingStageOnLabSet: a lab's programme may name its own set for a
// stage once the database's finder resolves stage sets; with built-ins
// alone it is refused naming the stage.
func TestTrainingStageOnLabSet(t *testing.T) {
	db, _ := storagetest.Open(t)
	ctx := context.Background()
	if _, err := db.SaveParamSet(ctx, storage.ParamSet{Name: "stage4_3choice", BasedOn: "stage4", Params: threeChoice(t, 5*time.Second), By: "AB", Why: "slow learners"}); err != nil {
		t.Fatal(err)
	}
	yml := []byte("name: lab\nstages:\n  - name: s4\n    protocol: stage4_3choice\n    sessions: 2\n    advance: [\"correct >= 50\"]\n  - name: base\n    protocol: baseline\n    sessions: 2\n    advance: [\"accuracy_pct > 80\"]\n")
	if _, err := training.Parse("lab.yaml", yml); err == nil || !strings.Contains(err.Error(), "stages[0] (s4): protocol") {
		t.Errorf("built-ins only: %v", err)
	}
	p, err := training.ParseWith("lab.yaml", yml, db.Lookup(ctx))
	if err != nil {
		t.Fatal(err)
	}
	set, err := db.Finder(ctx)(p.Stages[0].Protocol)
	if err != nil || set.Ref() != "stage4_3choice@1" || len(set.Params.ActiveHoles) != 3 {
		t.Errorf("stage set %+v, %v", set, err)
	}
}

// TestMergeParamSets: a host's lab sets come along with its sessions;
// a version both have alike is kept once; two hosts that saved different
// sets as one NAME@VERSION are refused, and nothing of that file merged.
func TestMergeParamSets(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	host := func(name string, iti time.Duration, versions int) string {
		path := filepath.Join(dir, name)
		db, err := storage.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for range versions {
			if _, err := db.SaveParamSet(ctx, storage.ParamSet{Name: "three_choice", BasedOn: "baseline", Params: threeChoice(t, iti), By: "AB", Why: "pilot"}); err != nil {
				t.Fatal(err)
			}
		}
		return path
	}
	h1, h2, h3 := host("h1.db", 7*time.Second, 1), host("h2.db", 7*time.Second, 2), host("h3.db", 9*time.Second, 3)
	lab, _ := storagetest.Open(t)
	for _, c := range []struct {
		src   string
		added int
	}{{h1, 1}, {h2, 1}, {h2, 0}} {
		res, err := lab.Merge(ctx, c.src)
		if err != nil || res.ParamSets != c.added {
			t.Errorf("merge %s: %d versions added, %v; want %d", filepath.Base(c.src), res.ParamSets, err, c.added)
		}
	}
	if _, err := lab.Merge(ctx, h3); err == nil || !strings.Contains(err.Error(), "parameter set three_choice@1 differs") {
		t.Errorf("conflicting sets merged: %v", err)
	}
	if h, _ := lab.ParamSetHistory(ctx, "three_choice"); len(h) != 2 || time.Duration(h[1].Params.ITI) != 7*time.Second {
		t.Errorf("after the refused merge: %+v", h)
	}
}
