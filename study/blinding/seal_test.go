package blinding

import (
	"errors"
	"strings"
	"testing"
)

// TestSealOpen: a key opens with its passphrase and study, and with
// nothing else; a short passphrase is refused; nothing of the key shows
// in its sealed form.
func TestSealOpen(t *testing.T) {
	k := Key{Study: "S1", Entries: []Entry{{Code: "S1/B", Condition: "vehicle", Drug: "vehicle", Position: 1},
		{Code: "S1/A", Condition: "atx-1.0", Drug: "atomoxetine", DoseMgPerKg: 1, Route: "i.p.", Position: 2}}}
	sealed, err := Seal(k, []byte("a good long passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"vehicle", "atx", "atomoxetine", "S1/A", "i.p."} {
		if strings.Contains(string(sealed), leak) {
			t.Errorf("the sealed key shows %q: %s", leak, sealed)
		}
	}
	got, err := Open(sealed, "S1", []byte("a good long passphrase"))
	if err != nil || len(got.Entries) != 2 || got.Entries[1].Condition != "atx-1.0" || got.Entries[1].DoseMgPerKg != 1 {
		t.Fatalf("opened %+v, %v", got, err)
	}
	for _, tt := range []struct {
		name, study, phrase string
	}{
		{"wrong passphrase", "S1", "a good long passphrasE"},
		{"another study's key", "S2", "a good long passphrase"},
		{"empty passphrase", "S1", ""},
	} {
		if _, err := Open(sealed, tt.study, []byte(tt.phrase)); !errors.Is(err, ErrPassphrase) {
			t.Errorf("%s: error %v, want ErrPassphrase", tt.name, err)
		}
	}
	if _, err := Seal(k, []byte("short")); err == nil || !strings.Contains(err.Error(), "at least 10 characters") {
		t.Errorf("a 5-character passphrase: %v", err)
	}
	again, _ := Seal(k, []byte("a good long passphrase"))
	if string(again) == string(sealed) {
		t.Error("two seals of one key are identical: salt and nonce are not random")
	}
	if _, err := Open([]byte(`{"format":"other"}`), "S1", nil); err == nil || errors.Is(err, ErrPassphrase) {
		t.Errorf("an unknown format: %v", err)
	}
}

// BenchmarkOpen is the cost of one passphrase guess (Argon2id at 64 MiB
// and the decryption): docs/blinding.md gives the figure.
func BenchmarkOpen(b *testing.B) {
	sealed, _ := Seal(Key{Study: "S1", Entries: []Entry{{Code: "S1/A", Condition: "vehicle"}}}, []byte("a good long passphrase"))
	for b.Loop() {
		Open(sealed, "S1", []byte("a good long passphrase"))
	}
}
