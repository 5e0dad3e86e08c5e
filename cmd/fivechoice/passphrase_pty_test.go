package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// typed runs the command on a real pseudo-terminal, answering each prompt
// that starts with one of answers' keys, and returns everything the
// terminal showed and the exit status.
func typed(t *testing.T, dir string, answers map[string]string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(fivechoiceBin, args...)
	cmd.Dir = dir
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var shown strings.Builder
	r := bufio.NewReader(tty)
	var line strings.Builder
	for {
		b, err := r.ReadByte()
		if err != nil { // EIO once the command has exited and closed the terminal
			break
		}
		shown.WriteByte(b)
		if b == '\n' {
			line.Reset()
			continue
		}
		line.WriteByte(b)
		for prompt, answer := range answers {
			if strings.HasPrefix(line.String(), prompt) && strings.HasSuffix(line.String(), ": ") {
				echoOff(t, tty)
				io.WriteString(tty, answer+"\r")
				line.Reset()
			}
		}
	}
	return shown.String(), cmd.Wait()
}

// echoOff waits until the command has switched the terminal's echo off
// (the prompt is written just before), as a person types after the prompt
// shows; typed earlier, the terminal itself would echo it. A command that
// never switches echo off gets the answer after a while anyway, and the
// test then sees it echoed.
func echoOff(t *testing.T, tty *os.File) {
	for range 10000 {
		tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPassphraseTypedOnATerminal: with no --passphrase-file, study create
// asks for the passphrase twice on the terminal and unblind once, without
// echoing it; the key sealed with the typed passphrase opens with the
// same passphrase from a file; two different passphrases store nothing.
func TestPassphraseTypedOnATerminal(t *testing.T) {
	dir := t.TempDir()
	const typedPhrase = "typed on the lab keyboard"
	create := []string{"study", "create", "T1", "--subjects", "R01,R02", "--new-subjects", "--conditions", "vehicle,atx-1.0", "--blind", "--db", "t.db"}
	shown, err := typed(t, dir, map[string]string{"passphrase of study T1's key": typedPhrase, "the same passphrase again": "not the same one"}, create...)
	if err == nil || !strings.Contains(shown, "the two passphrases differ") {
		t.Errorf("two different passphrases: %v\n%s", err, shown)
	}
	shown, err = typed(t, dir, map[string]string{"passphrase of study T1's key": typedPhrase, "the same passphrase again": typedPhrase}, create...)
	if err != nil || !strings.Contains(shown, "study T1 created") {
		t.Fatalf("create on a terminal: %v\n%s", err, shown)
	}
	if strings.Contains(shown, typedPhrase) {
		t.Errorf("the terminal echoed the passphrase:\n%s", shown)
	}
	file := writePassphrase(t, dir, typedPhrase)
	if out, e, code := fivechoice(t, dir, "study", "dosing-sheet", "T1", "--day", "1", "--by", "Ann", "--passphrase-file", file, "--db", "t.db"); code != 0 {
		t.Errorf("the typed passphrase does not open the key from a file: %s%s", out, e)
	}
	shown, err = typed(t, dir, map[string]string{"passphrase of study T1's key": typedPhrase},
		"study", "unblind", "T1", "--by", "Dr Jones", "--force", "--db", filepath.Join(dir, "t.db"))
	if err != nil || !strings.Contains(shown, "unblinded") || strings.Contains(shown, typedPhrase) {
		t.Errorf("unblind on a terminal: %v\n%s", err, shown)
	}
}
