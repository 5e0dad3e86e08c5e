package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// TestCSVFiles: the wide file has one row per rat and one SPSS-safe column
// per measure × condition, empty where a value is missing; the long file
// has one row per value with whether the rat is a complete case; the
// results file writes an infinite t as -Inf and an undefined one empty,
// with the reason beside it.
func TestCSVFiles(t *testing.T) {
	conds := atxConditions()[:2]
	rows := []Row{
		{"R1", "vehicle", map[string]float64{"premature": 10, "perseverative": 4}},
		{"R1", "atx-0.1", map[string]float64{"premature": 7, "perseverative": 4}},
		{"R2", "vehicle", map[string]float64{"premature": 12, "perseverative": 4}},
		{"R2", "atx-0.1", map[string]float64{"premature": 9, "perseverative": 4}},
		{"R3", "vehicle", map[string]float64{"premature": 8}},
	}
	r := Build("S", conds, []string{"R1", "R2", "R3"}, rows, false)
	read := func(write func(*bytes.Buffer) error) [][]string {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	wide := read(func(b *bytes.Buffer) error { return r.WideCSV(b) })
	if len(wide) != 4 || len(wide[0]) != 1+2*len(Measures) {
		t.Fatalf("wide: %d rows of %d columns", len(wide), len(wide[0]))
	}
	col := map[string]int{}
	for i, h := range wide[0] {
		col[h] = i
	}
	for _, h := range []string{"premature_vehicle", "premature_atx_0_1", "accuracy_pct_atx_0_1"} {
		if _, ok := col[h]; !ok {
			t.Errorf("wide: no column %s in %v", h, wide[0])
		}
	}
	if got := wide[3][col["premature_vehicle"]] + "|" + wide[3][col["premature_atx_0_1"]]; got != "8|" {
		t.Errorf("wide: R3's premature = %q, want 8 and empty", got)
	}
	long := read(func(b *bytes.Buffer) error { return r.DataCSV(b) })
	if len(long) != 1+5+4 || strings.Join(long[1], ",") != "S,R1,vehicle,premature,10,true" {
		t.Errorf("long: %d rows, first %v", len(long), long[1])
	}
	if strings.Join(long[5], ",") != "S,R3,vehicle,premature,8,false" {
		t.Errorf("long: R3 row %v", long[5])
	}
	res := read(func(b *bytes.Buffer) error { return r.CSV(b) })
	h := map[string]int{}
	for i, name := range res[0] {
		h[name] = i
	}
	for _, rec := range res[1:] {
		switch {
		case rec[h["measure"]] == "premature" && rec[h["condition"]] == "atx-0.1":
			if rec[h["vs_reference_t"]] != "-Inf" || rec[h["vs_reference_p"]] != "0" || rec[h["vs_reference_status"]] != "infinite" {
				t.Errorf("premature comparison %v", rec)
			}
		case rec[h["measure"]] == "perseverative" && rec[h["condition"]] == "atx-0.1":
			if rec[h["vs_reference_t"]] != "" || rec[h["vs_reference_status"]] != "undefined" || rec[h["vs_reference_reason"]] == "" {
				t.Errorf("perseverative comparison %v", rec)
			}
		}
	}
}
