package blinding

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// ReadPassphrase is the passphrase of study's key from file, or, with no
// file, typed on the terminal without echo (twice when confirm, as when a
// key is first sealed, so that a typo does not lock the key away). Never
// from a flag's value or the environment: those show in the shell's
// history and in the process list. The file must be readable by its owner
// alone; its first line is the passphrase.
func ReadPassphrase(file, study string, confirm bool, tty *os.File, prompt io.Writer) Passphrase {
	return func() ([]byte, error) {
		if file != "" {
			return fromFile(file)
		}
		if tty == nil || !term.IsTerminal(int(tty.Fd())) {
			return nil, fmt.Errorf("the passphrase of study %s's key: give --passphrase-file FILE, or run on a terminal to type it", study)
		}
		fmt.Fprintf(prompt, "passphrase of study %s's key: ", study)
		p, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return nil, fmt.Errorf("passphrase: %w", err)
		}
		if confirm {
			fmt.Fprint(prompt, "the same passphrase again: ")
			again, err := term.ReadPassword(int(tty.Fd()))
			fmt.Fprintln(prompt)
			if err != nil {
				return nil, fmt.Errorf("passphrase: %w", err)
			}
			if !bytes.Equal(p, again) {
				return nil, errors.New("the two passphrases differ: nothing was stored")
			}
		}
		if len(p) == 0 {
			return nil, errors.New("an empty passphrase")
		}
		return p, nil
	}
}

// fromFile reads a passphrase file: owner-only, its first line.
func fromFile(file string) ([]byte, error) {
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("--passphrase-file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("--passphrase-file %s: readable by others (mode %04o): whoever can read it can unblind; chmod 600 it", file, fi.Mode().Perm())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--passphrase-file: %w", err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return nil, fmt.Errorf("--passphrase-file %s: its first line is empty", file)
	}
	return line, nil
}
