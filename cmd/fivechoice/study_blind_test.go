package main

import (
	"os"
	"path/filepath"
	"testing"
)

// testPassphrase is the passphrase of the tests' blind studies.
const testPassphrase = "correct horse battery staple"

// writePassphrase writes phrase to a passphrase file readable by its
// owner alone in dir, and returns its path.
func writePassphrase(t *testing.T, dir, phrase string) string {
	t.Helper()
	f := filepath.Join(dir, "passphrase-"+filepath.Base(t.Name()))
	if err := os.WriteFile(f, []byte(phrase+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}
