package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigCheck checks files as a lab's IT person would before
// restarting the daemon: a good file passes, a bad one fails with its
// file, line and key, and the example passes once its token exists.
func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := e2eConfig(t, dir, 2, 1)
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("token: "+e2eToken+"\nchambers:\n  - name: box1\n    backend: sim\n  - name: box1\n    backend: sim\n    colour: red\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := fivechoice(t, dir, "config", "check", good)
	if code != 0 || !strings.Contains(out, "ok: 2 chambers (box1 sim, box2 sim)") {
		t.Errorf("good file: exit %d\n%s", code, out)
	}
	out, errOut, code := fivechoice(t, dir, "config", "check", good, bad)
	if code != 1 || !strings.Contains(out, "bad.yaml:7: chambers[1].colour: unknown key") || !strings.Contains(errOut, "1 of 2 configuration files") {
		t.Errorf("bad file: exit %d\n%s%s", code, out, errOut)
	}

	example, _, code := fivechoice(t, dir, "config", "example")
	if code != 0 {
		t.Fatalf("config example: exit %d", code)
	}
	ex := filepath.Join(dir, "example.yaml")
	os.WriteFile(ex, []byte(example), 0o644)
	os.WriteFile(filepath.Join(dir, "token"), []byte(e2eToken+"\n"), 0o600)
	t.Setenv("CREDENTIALS_DIRECTORY", dir) // the example reads ${CREDENTIALS_DIRECTORY}/token
	if out, _, code := fivechoice(t, dir, "config", "check", ex); code != 0 {
		t.Errorf("the example does not pass: exit %d\n%s", code, out)
	}
}
