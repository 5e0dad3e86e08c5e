package testenv

import "testing"

func TestInCI(t *testing.T) {
	for _, c := range []struct {
		v    string
		want bool
	}{{"", false}, {"true", true}, {"1", true}, {"false", false}, {"0", false}, {"yes", false}} {
		t.Setenv("CI", c.v)
		if got := InCI(); got != c.want {
			t.Errorf("CI=%q: InCI() = %v, want %v", c.v, got, c.want)
		}
	}
}

func TestCommandFound(t *testing.T) {
	if p := Command(t, "sh", "dash"); p == "" {
		t.Fatal("sh not found")
	}
}
