package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGeneratedTokenStaysOutOfTheJournal: without a configuration or
// FIVECHOICE_TOKEN, and with standard output not a terminal (a journal), a
// generated token is written to a file only this user can read, and never
// appears on standard output or in the log.
func TestGeneratedTokenStaysOutOfTheJournal(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(fivechoiceBin, "serve", "--listen", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FIVECHOICE_TOKEN=")
	out, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout = out
	d := startDaemonCmd(t, cmd)
	tokFile := filepath.Join(dir, "fivechoice.token")
	fi, err := os.Stat(tokFile)
	if err != nil {
		t.Fatalf("no token file: %v", err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("token file mode %04o, want 0600", m)
	}
	raw, _ := os.ReadFile(tokFile)
	tok := strings.TrimSpace(string(raw))
	if len(tok) < 16 {
		t.Fatalf("token file holds %q", raw)
	}
	time.Sleep(200 * time.Millisecond)
	raw, _ = os.ReadFile(out.Name())
	stdout := string(raw)
	if strings.Contains(stdout, tok) || strings.Contains(d.logs(), tok) {
		t.Errorf("the generated token was printed where a journal keeps it:\n%s\n%s", stdout, d.logs())
	}
	if !strings.Contains(stdout, tokFile) {
		t.Errorf("stdout does not say where the token is: %q", stdout)
	}
}

// TestTokenReadableByOthersWarns: a token file, or a configuration holding
// the token inline, that other users can read is warned about by config
// check (and in the daemon's log); mode 0600 is quiet.
func TestTokenReadableByOthersWarns(t *testing.T) {
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "token")
	writeFile(t, tokFile, e2eToken+"\n")
	viaFile := filepath.Join(dir, "file.yaml")
	writeFile(t, viaFile, "token_file: token\nchambers:\n  - {name: box1, backend: sim}\n")
	inline := filepath.Join(dir, "inline.yaml")
	writeFile(t, inline, "token: "+e2eToken+"\nchambers:\n  - {name: box1, backend: sim}\n")
	for _, tc := range []struct {
		file, chmod string
		mode        os.FileMode
		want        string
	}{
		{viaFile, tokFile, 0o644, "readable by every user"},
		{viaFile, tokFile, 0o640, "readable by its group"},
		{viaFile, tokFile, 0o600, ""},
		{inline, inline, 0o644, "holds the API token inline"},
		{inline, inline, 0o600, ""},
	} {
		if err := os.Chmod(tc.chmod, tc.mode); err != nil {
			t.Fatal(err)
		}
		out, _, code := fivechoice(t, dir, "config", "check", tc.file)
		if code != 0 {
			t.Fatalf("config check %s: exit %d\n%s", tc.file, code, out)
		}
		switch {
		case tc.want == "" && strings.Contains(out, "warning"):
			t.Errorf("%s with %s %04o: %s", filepath.Base(tc.file), filepath.Base(tc.chmod), tc.mode, out)
		case tc.want != "" && !strings.Contains(out, tc.want):
			t.Errorf("%s with %s %04o: no warning %q in %s", filepath.Base(tc.file), filepath.Base(tc.chmod), tc.mode, tc.want, out)
		}
	}
}
