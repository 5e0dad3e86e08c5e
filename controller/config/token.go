package config

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"unicode"
)

// TokenEnv is the environment variable that supplies the API token when
// the daemon runs on its built-in configuration (no --config). A file
// always names its own token, so that what a daemon accepts is written in
// one place.
const TokenEnv = "FIVECHOICE_TOKEN"

// token checks the API token: given inline or in a file, never both, and
// never missing, since every mutating request is checked against it.
func (k *checker) token(dir string) {
	c := k.c
	switch {
	case c.Token != "" && c.TokenFile != "":
		k.bad("token_file", "give token or token_file, not both")
	case c.Token != "":
		c.TokenSource = "inline in " + c.File
		if err := CheckToken(c.Token); err != nil {
			k.bad("token", "%v", err)
		}
	case c.TokenFile != "":
		// Expanded so that a systemd unit can hand the token over as a
		// credential: token_file: ${CREDENTIALS_DIRECTORY}/token.
		path := under(dir, os.ExpandEnv(c.TokenFile))
		tok, err := ReadTokenFile(path)
		if err != nil {
			k.bad("token_file", "%v", err)
			return
		}
		c.Token, c.TokenSource, c.tokenPath = tok, "file "+path, path
	default:
		k.bad("token", "missing: set token_file (a file holding the API token) or token")
	}
}

// ReadTokenFile reads a token from a file holding it (surrounding white
// space, such as a final newline, is ignored).
func ReadTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read token: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if err := CheckToken(tok); err != nil {
		return "", fmt.Errorf("%s holds no usable token: %w", path, err)
	}
	return tok, nil
}

// CheckToken refuses a token that is too short to resist guessing or that
// cannot travel in an HTTP header.
func CheckToken(tok string) error {
	if len(tok) < MinTokenLen {
		return fmt.Errorf("too short: want at least %d characters (e.g. from `openssl rand -hex 32`)", MinTokenLen)
	}
	for _, r := range tok {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return fmt.Errorf("want printable ASCII without spaces")
		}
	}
	return nil
}

// GenerateToken returns a new random token (256 bits, URL-safe base64).
func GenerateToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
