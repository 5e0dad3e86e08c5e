package blinding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
	"github.com/fivechoice/fivechoice/study"
)

const phrase = "the PI keeps this one"

func pass(p string) Passphrase { return func() ([]byte, error) { return []byte(p), nil } }

var (
	rats  = []string{"R01", "R02", "R03", "R04"}
	doses = []string{"vehicle", "atx-0.3", "atx-1.0", "atx-3.0"}
)

// design is the tests' blind study: four rats, vehicle and three doses.
func design(name string) study.Design {
	return study.Design{Name: name, Subjects: rats, Conditions: doses, Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.Local),
		Washout: 48 * time.Hour, Seed: 11, Protocol: "baseline", Blind: true}
}

// sealedStudy creates design(name) with its key sealed under phrase.
func sealedStudy(t *testing.T, d *storage.DB, name string) study.Plan {
	t.Helper()
	p, err := design(name).Plan()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(context.Background(), d, p, pass(phrase)); err != nil {
		t.Fatal(err)
	}
	return p
}

// links opens the database file with plain SQL, as a technician's sqlite3
// shell would, and returns every row of every table that names both one
// of the study's codes and one of its real conditions.
func links(t *testing.T, path string, p study.Plan) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := db.Query(`SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	var found []string
	for _, table := range names {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			row := fmt.Sprintf("%s: %s", table, fmt.Sprint(vals...))
			if slices.ContainsFunc(p.Key, func(k storage.KeyEntry) bool { return strings.Contains(row, k.Code) }) &&
				slices.ContainsFunc(p.Key, func(k storage.KeyEntry) bool { return slicesContainsWord(vals, k.Condition) }) {
				found = append(found, row)
			}
		}
		rows.Close()
	}
	return found
}

// slicesContainsWord reports whether a column's value is exactly word.
func slicesContainsWord(vals []any, word string) bool {
	for _, v := range vals {
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		if v == word {
			return true
		}
	}
	return false
}

// TestNoTableLinksCodeToCondition: in a sealed blind study no row of any
// table or view names a code and a real condition together; the same
// check finds the key of a study stored as before migration 0009.
func TestNoTableLinksCodeToCondition(t *testing.T) {
	d, _ := storagetest.Open(t, rats...)
	p := sealedStudy(t, d, "S1")
	if found := links(t, d.Path(), p); len(found) > 0 {
		t.Errorf("the database links codes to conditions:\n%s", strings.Join(found, "\n"))
	}
	codes, _ := d.Conditions(context.Background())
	for _, c := range codes {
		if strings.HasPrefix(c.ID, "S1/") && (c.Drug != "blinded" || c.DoseMgPerKg != 0 || c.PretreatmentMin != 30 || c.Route != "i.p.") {
			t.Errorf("code condition %+v: want drug blinded, dose 0, and the shared route and pretreatment", c)
		}
	}
	ro, err := sql.Open("sqlite3", "file:"+d.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var sealedAt string
	if err := ro.QueryRow(`SELECT sealed_at FROM sealed_keys WHERE study = 'S1'`).Scan(&sealedAt); err != nil || strings.HasPrefix(sealedAt, "0001") {
		t.Errorf("sealed_at %q %v: want when it was sealed", sealedAt, err)
	}
	if order := rowOrder(t, d.Path(), "S1/"); !slices.IsSorted(order) {
		t.Errorf("code conditions in row order %v: the insertion order tells the study's order", order)
	}
	legacy, _ := design("OLD").Plan()
	if err := d.CreateStudy(context.Background(), legacy.Study, legacy.Days, legacy.Key); err != nil {
		t.Fatal(err)
	}
	if found := links(t, d.Path(), legacy); len(found) < len(legacy.Key) {
		t.Errorf("the check missed a key in plain text: %v", found)
	}
}

// TestKeyNotFromSeed: the seed and the design are stored for all to read,
// so they must not decide the key. Thirty studies with the same rats,
// conditions and seed store the very same plan, yet their keys differ:
// the stored data cannot tell which code is vehicle. The attack the old
// layout allowed (Assign the real conditions with the stored seed and
// read the key off the stored plan) recovers a key that is not the study's.
func TestKeyNotFromSeed(t *testing.T) {
	first, _ := design("S1").Plan()
	vehicleCodes := map[string]int{}
	wrong := 0
	for range 30 {
		p, err := design("S1").Plan()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Days, first.Days) || !slices.Equal(p.Study.Conditions, first.Study.Conditions) {
			t.Fatal("the stored plan differs between two studies of one design and seed")
		}
		vehicleCodes[p.Key[0].Code]++
		orders, _ := study.Assign(rats, doses, 11)
		guess := map[string]string{} // code -> condition, read off the plan
		for _, day := range p.Days {
			guess[day.Condition] = orders[day.Subject][day.Day-1]
		}
		for _, k := range p.Key {
			if guess[k.Code] != k.Condition {
				wrong++
				break
			}
		}
		for sub, order := range p.Orders { // the real design still gives every rat every condition
			if s := slices.Sorted(slices.Values(order)); !slices.Equal(s, slices.Sorted(slices.Values(doses))) {
				t.Errorf("%s gets %v", sub, order)
			}
		}
	}
	if len(vehicleCodes) < 2 || wrong == 0 {
		t.Errorf("vehicle's code over 30 studies: %v; the seed attack was wrong %d times", vehicleCodes, wrong)
	}
	t.Logf("vehicle's code over 30 studies of one seed: %v; recomputing from the seed got the key wrong %d times of 30", vehicleCodes, wrong)
}

// TestWrongPassphraseChangesNothing: unblinding, a dosing sheet and
// sealing with the wrong passphrase fail saying so, and leave the study
// blind, its key sealed and the audit trail as it was.
func TestWrongPassphraseChangesNothing(t *testing.T) {
	ctx := context.Background()
	d, _ := storagetest.Open(t, rats...)
	sealedStudy(t, d, "S1")
	before, _ := d.SealedKey(ctx, "S1")
	if _, _, err := Unblind(ctx, d, "S1", "Dr Jones", pass("not the passphrase"), time.Now()); !errors.Is(err, ErrPassphrase) {
		t.Errorf("unblind: %v", err)
	}
	if _, err := DosingSheet(ctx, d, "S1", 1, 0, "Ann", pass("not the passphrase")); !errors.Is(err, ErrPassphrase) {
		t.Errorf("dosing sheet: %v", err)
	}
	if err := SealStudy(ctx, d, "S1", "Ann", pass(phrase), time.Now()); !errors.Is(err, ErrNotUnsealed) {
		t.Errorf("sealing a sealed key: %v", err)
	}
	s, _ := d.Study(ctx, "S1")
	after, _ := d.SealedKey(ctx, "S1")
	key, _ := d.BlindingKey(ctx, "S1")
	audit, _ := d.Audit(ctx)
	if s.UnblindedAt != nil || s.KeyState != storage.KeySealed || string(after) != string(before) || len(key) != 0 || len(audit) != 0 {
		t.Errorf("after wrong passphrases: study %+v, key %v, audit %v", s, key, audit)
	}
}

// TestUnblindShowsConditions: unblinding with the passphrase stores the
// key in plain text, records who and when, and from then on the study's
// conditions and plan name the real conditions, the study's own order.
func TestUnblindShowsConditions(t *testing.T) {
	ctx := context.Background()
	d, _ := storagetest.Open(t, rats...)
	p := sealedStudy(t, d, "S1")
	raw, err := sql.Open("sqlite3", d.Path()) // a later change of a dose, which nothing stored could link to the study
	if err != nil {
		t.Fatal(err)
	}
	raw.Exec(`UPDATE conditions SET dose_mg_per_kg = 1.5 WHERE id = 'atx-1.0'`)
	raw.Close()
	key, warnings, err := Unblind(ctx, d, "S1", "Dr Jones", pass(phrase), time.Now())
	if err != nil || len(key) != 4 {
		t.Fatalf("unblind: %v %v", key, err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "atx-1.0 is now atomoxetine 1.5 mg/kg") || !strings.Contains(warnings[0], "it was atomoxetine 1 mg/kg") {
		t.Errorf("warnings %q", warnings)
	}
	s, _ := d.Study(ctx, "S1")
	if s.UnblindedBy != "Dr Jones" || s.UnblindedAt == nil || s.KeyState != storage.KeyUnblinded || !slices.Equal(s.Conditions, doses) {
		t.Errorf("unblinded study %+v", s)
	}
	plan, _ := d.Plan(ctx, "S1")
	for _, day := range plan {
		if want := p.Orders[day.Subject][day.Day-1]; day.Condition != want {
			t.Errorf("%s day %d: %s, want %s", day.Subject, day.Day, day.Condition, want)
		}
	}
	if _, err := d.SealedKey(ctx, "S1"); !errors.Is(err, storage.ErrNoSealedKey) {
		t.Errorf("the sealed key is kept after unblinding: %v", err)
	}
	audit, _ := d.Audit(ctx)
	if len(audit) != 1 || audit[0].Action != "unblind" || audit[0].By != "Dr Jones" {
		t.Errorf("audit %+v", audit)
	}
	if next, err := d.NextDay(ctx, "S1", "R01", time.Now()); err != nil || next.Condition != p.Orders["R01"][0] {
		t.Errorf("next day after unblinding: %+v %v", next, err)
	}
}

// rawLinks counts the places where a code is stored right beside its real
// condition in the database's bytes (the file and its write-ahead log),
// as a row of blinding_keys is: the bytes a hex editor would show.
func rawLinks(t *testing.T, path string, p study.Plan) int {
	n := 0
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, k := range p.Key {
			n += strings.Count(string(b), k.Code+k.Condition)
		}
	}
	return n
}

// rowOrder is the code conditions (ids starting with prefix) in the order
// of their row numbers, which SQLite keeps and a shell shows.
func rowOrder(t *testing.T, path, prefix string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id FROM conditions WHERE id LIKE ? || '%' ORDER BY rowid`, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}
