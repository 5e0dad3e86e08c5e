package storage

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid marks a record refused for what it holds (a malformed id, a
// field out of its range), as opposed to a database failure.
var ErrInvalid = errors.New("invalid")

// MaxSubjectID is the longest subject id, in bytes: ids appear in file
// names, URLs, metric labels and the page.
const MaxSubjectID = 64

// CheckSubjectID refuses an id that would be a second name for a rat or
// a trap for whoever reads it: empty, padded (" R01 " is not R01),
// invalid UTF-8, control, zero-width or direction-changing characters, a
// '/', '\\', '?', '#' or '%', or just "." or ".." (ids are path segments in
// the API and the control room's links: "R17?x" would open R17's page),
// a first character a spreadsheet takes for a formula ('=', '+', '-',
// '@': the CSV exports are opened in spreadsheets), or longer than
// MaxSubjectID.
// Letters of any script, digits, spaces inside, and punctuation such as
// '-', '_' and '.' are fine. The error names the id and what is wrong.
func CheckSubjectID(id string) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("subject id %q: %s: %w", id, fmt.Sprintf(format, a...), ErrInvalid)
	}
	switch {
	case id == "":
		return bad("empty")
	case len(id) > MaxSubjectID:
		return bad("%d bytes, at most %d", len(id), MaxSubjectID)
	case !utf8.ValidString(id):
		return bad("not valid UTF-8")
	}
	first, _ := utf8.DecodeRuneInString(id)
	last, _ := utf8.DecodeLastRuneInString(id)
	switch {
	case unicode.IsSpace(first) || unicode.IsSpace(last):
		return bad("starts or ends with white space")
	case id == "." || id == "..":
		return bad("a path of its own, not a name")
	case first == '=' || first == '+' || first == '-' || first == '@':
		return bad("starts with %q, which a spreadsheet opening an export takes for a formula", first)
	}
	for i, r := range id {
		switch {
		case r == '/' || r == '\\' || r == '?' || r == '#' || r == '%':
			return bad("%q at byte %d: ids are path segments in links and the API", r, i)
		case unicode.IsSpace(r) && r != ' ':
			return bad("white space %U at byte %d: only a plain space may separate words", r, i)
		case unicode.IsControl(r):
			return bad("control character %U at byte %d", r, i)
		case unicode.Is(unicode.Cf, r):
			return bad("invisible format character %U at byte %d (zero-width or text direction)", r, i)
		case !unicode.IsPrint(r) && r != ' ':
			return bad("unprintable character %U at byte %d", r, i)
		}
	}
	return nil
}
