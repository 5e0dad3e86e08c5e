package blinding

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

// TestDosingSheet: test day 2's sheet names, per rat, the code it sees and
// the drug and dose the design gives it that day, with the volume to
// inject at its latest weight (or "no weight recorded", never a zero);
// printing it is audited and leaves the study blind.
func TestDosingSheet(t *testing.T) {
	ctx := context.Background()
	d, _ := storagetest.Open(t, rats...)
	p := sealedStudy(t, d, "S1")
	for _, w := range []struct {
		rat, day string
		grams    float64
	}{{"R01", "2026-12-01", 350}, {"R01", "2026-12-03", 342}, {"R02", "2026-12-02", 410}, {"R04", "2026-12-03", 300}} {
		if _, err := d.AddWeight(ctx, w.rat, w.day, w.grams, 0, "Ann", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	sheet, err := DosingSheet(ctx, d, "S1", 2, 0, "Ann", pass(phrase))
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := d.Plan(ctx, "S1")
	dose := map[string]float64{"vehicle": 0, "atx-0.3": 0.3, "atx-1.0": 1, "atx-3.0": 3}
	wantGrams := map[string]float64{"R01": 342, "R02": 410, "R04": 300}
	if len(sheet.Doses) != 4 || sheet.Date != "2026-12-03" {
		t.Fatalf("sheet %+v", sheet)
	}
	for _, ds := range sheet.Doses {
		real := p.Orders[ds.Subject][1]
		for _, day := range plan {
			if day.Subject == ds.Subject && day.Day == 2 && day.Condition != ds.Code {
				t.Errorf("%s: sheet code %s, plan %s", ds.Subject, ds.Code, day.Condition)
			}
		}
		if ds.DoseMgPerKg != dose[real] || (real == "vehicle") != (ds.Drug == "vehicle") || ds.Route != "i.p." {
			t.Errorf("%s: %s %g mg/kg %s, the design gives %s", ds.Subject, ds.Drug, ds.DoseMgPerKg, ds.Route, real)
		}
		if ds.Grams != wantGrams[ds.Subject] || math.Abs(ds.VolumeMl-ds.Grams/1000) > 1e-9 || ds.ConcentrationMgPerMl != ds.DoseMgPerKg {
			t.Errorf("%s: %g g, %g ml, %g mg/ml", ds.Subject, ds.Grams, ds.VolumeMl, ds.ConcentrationMgPerMl)
		}
	}
	var text, table bytes.Buffer
	sheet.Text(&text)
	sheet.CSV(&table)
	if !strings.Contains(text.String(), "R03") || !strings.Contains(text.String(), NoWeight) || !strings.Contains(text.String(), "0.342") {
		t.Errorf("text:\n%s", text.String())
	}
	rows, err := csv.NewReader(&table).ReadAll()
	if err != nil || len(rows) != 5 || rows[3][3] != "R03" || rows[3][11] != "" || rows[3][14] != NoWeight || rows[1][13] != "0.342" {
		t.Errorf("csv %v %v", rows, err)
	}
	half, _ := DosingSheet(ctx, d, "S1", 2, 2, "Ann", pass(phrase)) // 2 ml/kg: twice the volume, half the concentration
	if half.Doses[0].VolumeMl != 0.684 || half.Doses[0].ConcentrationMgPerMl != half.Doses[0].DoseMgPerKg/2 {
		t.Errorf("2 ml/kg: %+v", half.Doses[0])
	}
	s, _ := d.Study(ctx, "S1")
	key, _ := d.BlindingKey(ctx, "S1")
	audit, _ := d.Audit(ctx)
	if s.KeyState != storage.KeySealed || s.UnblindedAt != nil || len(key) != 0 || len(audit) != 2 || audit[0].Action != "dosing sheet" ||
		audit[0].By != "Ann" || audit[0].Target != "study S1 day 2" {
		t.Errorf("after the sheet: study %+v, plain key %v, audit %+v", s, key, audit)
	}
	if _, err := DosingSheet(ctx, d, "S1", 5, 0, "Ann", pass(phrase)); err == nil || !strings.Contains(err.Error(), "no test day 5") {
		t.Errorf("day 5 of 4: %v", err)
	}
}

// TestSealLegacyKey: a study whose key is in plain text (created before
// migration 0009) is flagged unsealed; sealing it removes the plain rows
// from the file's very bytes, takes its seed out, and unblinding puts
// both back.
func TestSealLegacyKey(t *testing.T) {
	ctx := context.Background()
	d, _ := storagetest.Open(t, rats...)
	p, _ := design("OLD").Plan()
	if err := d.CreateStudy(ctx, p.Study, p.Days, p.Key); err != nil {
		t.Fatal(err)
	}
	if s, _ := d.Study(ctx, "OLD"); s.KeyState != storage.KeyUnsealed {
		t.Errorf("key state %q, want unsealed", s.KeyState)
	}
	if n := rawLinks(t, d.Path(), p); n == 0 {
		t.Fatal("the plain key is not found in the file: the byte check cannot fail")
	}
	if _, err := DosingSheet(ctx, d, "OLD", 1, 0, "Ann", pass(phrase)); err == nil || !strings.Contains(err.Error(), "study seal OLD") {
		t.Errorf("dosing sheet of an unsealed key: %v", err)
	}
	if err := SealStudy(ctx, d, "OLD", "Dr Jones", pass(phrase), time.Now()); err != nil {
		t.Fatal(err)
	}
	s, _ := d.Study(ctx, "OLD")
	if s.KeyState != storage.KeySealed || s.Seed != 0 {
		t.Errorf("sealed: state %q, seed %d", s.KeyState, s.Seed)
	}
	if n := rawLinks(t, d.Path(), p); n != 0 {
		t.Errorf("%d code-condition pairs left in the database file's bytes after sealing", n)
	}
	if found := links(t, d.Path(), p); len(found) != 0 {
		t.Errorf("after sealing: %v", found)
	}
	if order := rowOrder(t, d.Path(), "OLD/"); !slices.IsSorted(order) {
		t.Errorf("the code conditions' row numbers follow the study's order, not the codes': %v", order)
	}
	if _, _, err := Unblind(ctx, d, "OLD", "Dr Jones", pass(phrase), time.Now()); err != nil {
		t.Fatal(err)
	}
	if s, _ := d.Study(ctx, "OLD"); s.Seed != 11 || s.Conditions[0] != "vehicle" {
		t.Errorf("unblinded: seed %d, conditions %v", s.Seed, s.Conditions)
	}
}

// TestMergeKeepsKeySealed: merging a chamber PC's database into the lab's
// brings a blind study with its key still sealed, and the passphrase
// opens it there.
func TestMergeKeepsKeySealed(t *testing.T) {
	ctx := context.Background()
	host, _ := storagetest.Open(t, rats...)
	sealedStudy(t, host, "S1")
	lab, _ := storagetest.Open(t)
	if _, err := lab.Merge(ctx, host.Path()); err != nil {
		t.Fatal(err)
	}
	s, err := lab.Study(ctx, "S1")
	if err != nil || s.KeyState != storage.KeySealed {
		t.Fatalf("merged study %+v %v", s, err)
	}
	if k, err := OpenKey(ctx, lab, "S1", pass(phrase)); err != nil || len(k.Entries) != 4 {
		t.Errorf("merged key: %v %v", k, err)
	}
}
