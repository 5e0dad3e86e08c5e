package report

import (
	"slices"
	"testing"
)

// TestPlainTicks: 4 to 7 labelled ticks at round steps, labelled plainly.
func TestPlainTicks(t *testing.T) {
	tests := []struct {
		min, max float64
		want     []string
	}{
		{0, 28, []string{"0", "5", "10", "15", "20", "25"}},
		{0, 100, []string{"0", "20", "40", "60", "80", "100"}},
		{0, 850, []string{"0", "200", "400", "600", "800"}},
		{0, 1.3, []string{"0", "0.25", "0.5", "0.75", "1", "1.25"}},
		{0, 21.6, []string{"0", "5", "10", "15", "20"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range (plainTicks{}).Ticks(tt.min, tt.max) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ticks %v to %v: %v, want %v", tt.min, tt.max, got, tt.want)
		}
	}
}

// TestWinAnsi: the PDF's text is Windows-1252, so "mean ± SEM" must reach
// gonum's PDF canvas as the byte 0xB1, not the UTF-8 pair C2 B1 (which a
// reader shows as "Â±").
func TestWinAnsi(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mean ± SEM", "mean \xb1 SEM"},
		{"plain", "plain"},
		{"0.1–0.3 mg/kg", "0.1\x960.3 mg/kg"},
		{"√x", "?x"},
	}
	for _, tt := range tests {
		if got := winAnsi(tt.in); got != tt.want {
			t.Errorf("winAnsi(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
