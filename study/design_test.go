package study

import (
	"reflect"
	"testing"
	"time"
)

// TestWilliamsIsBalanced checks the two properties Williams (1949) defines:
// a Latin square (each condition once per row and column) and first-order
// carry-over balance (each ordered pair of neighbours equally often).
func TestWilliamsIsBalanced(t *testing.T) {
	for k := 2; k <= 9; k++ {
		rows := Williams(k)
		wantRows, wantPairs := k, 1
		if k%2 == 1 {
			wantRows, wantPairs = 2*k, 2
		}
		if len(rows) != wantRows {
			t.Fatalf("k=%d: %d rows, want %d", k, len(rows), wantRows)
		}
		pairs := map[[2]int]int{}
		cols := make([]map[int]int, k)
		for j := range cols {
			cols[j] = map[int]int{}
		}
		for _, row := range rows {
			seen := map[int]bool{}
			for j, c := range row {
				if c < 0 || c >= k || seen[c] {
					t.Fatalf("k=%d: row %v is not a permutation", k, row)
				}
				seen[c] = true
				cols[j][c]++
				if j > 0 {
					pairs[[2]int{row[j-1], c}]++
				}
			}
		}
		for j, col := range cols {
			for c := 0; c < k; c++ {
				if col[c] != wantRows/k {
					t.Errorf("k=%d: condition %d is in position %d %d times, want %d", k, c, j, col[c], wantRows/k)
				}
			}
		}
		for a := 0; a < k; a++ {
			for b := 0; b < k; b++ {
				if a != b && pairs[[2]int{a, b}] != wantPairs {
					t.Errorf("k=%d: %d follows %d %d times, want %d", k, b, a, pairs[[2]int{a, b}], wantPairs)
				}
			}
		}
	}
}

// TestWilliamsFourConditions compares with the 4-treatment design printed
// in the literature (e.g. Jones & Kenward, Design and Analysis of Cross-Over
// Trials: ABDC, BCAD, CDBA, DACB).
func TestWilliamsFourConditions(t *testing.T) {
	want := [][]int{{0, 1, 3, 2}, {1, 2, 0, 3}, {2, 3, 1, 0}, {3, 0, 2, 1}}
	if got := Williams(4); !reflect.DeepEqual(got, want) {
		t.Errorf("Williams(4) = %v, want %v", got, want)
	}
}

func TestAssign(t *testing.T) {
	subjects := []string{"R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08", "R09"}
	conds := []string{"vehicle", "atx-0.3", "atx-1.0", "atx-3.0"}
	a, err := Assign(subjects, conds, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Assign(subjects, conds, 7)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave different assignments")
	}
	c, _ := Assign(subjects, conds, 8)
	if reflect.DeepEqual(a, c) {
		t.Error("a different seed gave the same assignment")
	}
	// With 9 subjects and 4 rows, rows are used 3, 2, 2, 2 times; each
	// subject gets every condition once; first positions are balanced.
	rowUse := map[string]int{}
	first := map[string]int{}
	for _, s := range subjects {
		order := a[s]
		seen := map[string]bool{}
		for _, c := range order {
			seen[c] = true
		}
		if len(order) != 4 || len(seen) != 4 {
			t.Errorf("%s: %v", s, order)
		}
		rowUse[join(order)]++
		first[order[0]]++
	}
	for row, n := range rowUse {
		if n < 2 || n > 3 {
			t.Errorf("row %s used %d times", row, n)
		}
	}
	for c, n := range first {
		if n < 2 || n > 3 {
			t.Errorf("%s first for %d subjects", c, n)
		}
	}
	for _, bad := range [][]string{{"vehicle"}, {"vehicle", "vehicle"}, {"vehicle", ""}} {
		if _, err := Assign(subjects, bad, 1); err == nil {
			t.Errorf("Assign accepted conditions %q", bad)
		}
	}
	if _, err := Assign([]string{"R1", "R1"}, conds, 1); err == nil {
		t.Error("Assign accepted a subject twice")
	}
}

func join(s []string) string {
	out := ""
	for _, x := range s {
		out += x + ","
	}
	return out
}

func TestDayDate(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		washout time.Duration
		n       int
		want    string
	}{
		{48 * time.Hour, 1, "2026-12-01"},
		{48 * time.Hour, 2, "2026-12-03"},
		{48 * time.Hour, 4, "2026-12-07"},
		{72 * time.Hour, 3, "2026-12-07"},
		{60 * time.Hour, 2, "2026-12-04"},
		{0, 5, "2026-12-01"},
	}
	for _, tt := range tests {
		if got := DayDate(start, tt.washout, tt.n).Format("2006-01-02"); got != tt.want {
			t.Errorf("DayDate(%v, %d) = %s, want %s", tt.washout, tt.n, got, tt.want)
		}
	}
}

func TestCodes(t *testing.T) {
	codes := Codes(5, 3)
	seen := map[string]bool{}
	for _, c := range codes {
		seen[c] = true
	}
	for _, c := range []string{"A", "B", "C", "D", "E"} {
		if !seen[c] {
			t.Errorf("codes %v lack %s", codes, c)
		}
	}
	if code(26) != "AA" || code(27) != "AB" {
		t.Errorf("code(26), code(27) = %s, %s", code(26), code(27))
	}
	firstA := 0
	for seed := uint64(0); seed < 100; seed++ {
		if Codes(4, seed)[0] == "A" {
			firstA++
		}
	}
	if firstA > 50 {
		t.Errorf("the reference got code A for %d of 100 seeds", firstA)
	}
}
