package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// An Error is one problem of a configuration file, with where it is.
type Error struct {
	File string
	Line int    // 0: the file as a whole
	Key  string // the key's path, e.g. chambers[2].serial.port; empty for the file
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// Load reads and checks the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if c.TokenFile == "" {
		if w := readableByOthers(path); w != "" {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s holds the API token inline and %s: move the token to a token_file only the daemon can read (chmod 600)", path, w))
		}
	} else if w := readableByOthers(c.tokenPath); w != "" {
		c.Warnings = append(c.Warnings, fmt.Sprintf("token_file %s %s: chmod 600 it", c.tokenPath, w))
	}
	return c, nil
}

// readableByOthers says how a file is readable beyond its owner ("is
// readable by every user (mode 0644)"), or "" when it is not.
func readableByOthers(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	switch m := fi.Mode().Perm(); {
	case m&0o004 != 0:
		return fmt.Sprintf("is readable by every user (mode %04o)", m)
	case m&0o040 != 0:
		return fmt.Sprintf("is readable by its group (mode %04o)", m)
	}
	return ""
}

// LoadChambers reads and checks the configuration file at path for its
// chambers alone: the API token is neither needed nor read. The
// outputs-off command, which systemd runs after the daemon has stopped,
// must switch the chambers' outputs off even where the daemon's token
// credential is no longer there.
func LoadChambers(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parseWith(path, data, false)
}

// Parse reads and checks a configuration; file names it in messages and
// anchors its relative paths. Every problem found is returned, joined
// (errors.Join), each an *Error.
//
// The file is decoded twice: once into a yaml.Node, which knows where each
// key is, and once into Config by a decoder with KnownFields(true), so that
// a misspelt key is refused rather than silently left at its default. The
// decoder's messages carry only a line; the node tree turns that line back
// into the key's path.
func Parse(file string, data []byte) (*Config, error) { return parseWith(file, data, true) }

// parseWith is Parse, checking the token or not.
func parseWith(file string, data []byte, token bool) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, syntaxError(file, err)
	}
	if len(root.Content) == 0 {
		return nil, &Error{File: file, Msg: "empty: a configuration needs at least its chambers"}
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: doc.Line, Msg: "want a mapping of keys (database, listen, token_file, chambers, ...)"}
	}
	idx := newIndex(doc)
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.As(err, &te):
			// Checking a half-decoded configuration would report problems
			// that are only echoes of these.
			return nil, errors.Join(idx.typeErrors(file, te)...)
		case errors.Is(err, io.EOF):
			return nil, &Error{File: file, Msg: "empty: a configuration needs at least its chambers"}
		default:
			return nil, &Error{File: file, Msg: err.Error()}
		}
	}
	c.File = file
	if errs := c.check(idx, token); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxError(file string, err error) error {
	if m := syntaxLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "YAML syntax: " + m[2]}
	}
	return &Error{File: file, Msg: strings.Replace(err.Error(), "yaml: ", "YAML syntax: ", 1)}
}

// An index maps the keys of a document to their nodes, by path.
type index struct {
	entries []entry
	byPath  map[string]int
}

type entry struct {
	path string
	key  *yaml.Node // the key of a mapping entry, the item of a sequence
	val  *yaml.Node
}

func newIndex(doc *yaml.Node) *index {
	x := &index{byPath: map[string]int{}}
	x.walk("", doc, doc)
	return x
}

func (x *index) walk(path string, key, n *yaml.Node) {
	if _, dup := x.byPath[path]; !dup { // a key given twice: keep the first
		x.byPath[path] = len(x.entries)
	}
	x.entries = append(x.entries, entry{path, key, n})
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			x.walk(p, k, n.Content[i+1])
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			x.walk(fmt.Sprintf("%s[%d]", path, i), item, item)
		}
	}
}

// has reports whether the document gives path.
func (x *index) has(path string) bool { _, ok := x.byPath[path]; return ok }

// line is the line of path's key, or of its nearest ancestor the document
// gives (a missing key is reported where it should have been); 0 for the
// file as a whole.
func (x *index) line(path string) int {
	for p := path; p != ""; p = parent(p) {
		if i, ok := x.byPath[p]; ok {
			return x.entries[i].key.Line
		}
	}
	return 0
}

// parent strips a path's last step: a.b[2].c → a.b[2] → a.b → a.
func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

var (
	reUnknown = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (\S+)$`)
	reType    = regexp.MustCompile("^line (\\d+): cannot unmarshal (!!\\w+)(?: `(.*)`)? into (.+)$")
	reTwice   = regexp.MustCompile(`^line (\d+): mapping key "(.*)" already defined at line (\d+)$`)
	reLine    = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// typeErrors turns the decoder's messages into Errors naming the key.
func (x *index) typeErrors(file string, te *yaml.TypeError) []error {
	var errs []error
	for _, msg := range te.Errors {
		e := &Error{File: file, Msg: msg}
		switch m := reUnknown.FindStringSubmatch(msg); {
		case m != nil:
			e.Line, _ = strconv.Atoi(m[1])
			e.Key = x.keyAt(e.Line, m[2])
			e.Msg = "unknown key"
			if known := knownKeys[strings.TrimPrefix(m[3], "*")]; len(known) > 0 {
				e.Msg += " (known here: " + strings.Join(known, ", ") + ")"
			}
		case reType.MatchString(msg):
			m := reType.FindStringSubmatch(msg)
			e.Line, _ = strconv.Atoi(m[1])
			ent := x.valueAt(e.Line, strings.TrimSuffix(m[3], "..."))
			got := m[3]
			if ent != nil {
				e.Key, got = ent.path, describe(ent.val)
			}
			e.Msg = "want " + want(m[4]) + ", got " + got
		case reTwice.MatchString(msg):
			m := reTwice.FindStringSubmatch(msg)
			e.Line, _ = strconv.Atoi(m[1])
			e.Key = x.keyAt(e.Line, m[2])
			e.Msg = "given twice (first at line " + m[3] + ")"
		case reLine.MatchString(msg):
			m := reLine.FindStringSubmatch(msg)
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
		}
		errs = append(errs, e)
	}
	return errs
}

// keyAt is the path of the (last) key named name on a line.
func (x *index) keyAt(line int, name string) string {
	found := name
	for _, e := range x.entries {
		if e.key != nil && e.key.Line == line && e.key.Kind == yaml.ScalarNode && e.key.Value == name && e.key != e.val {
			found = e.path
		}
	}
	return found
}

// valueAt is the entry whose scalar value on a line starts with prefix (the
// decoder shortens long values), else any entry on that line.
func (x *index) valueAt(line int, prefix string) *entry {
	var fallback *entry
	for i := range x.entries {
		e := &x.entries[i]
		if e.val.Line != line || e.path == "" {
			continue
		}
		if e.val.Kind == yaml.ScalarNode && strings.HasPrefix(e.val.Value, prefix) {
			return e
		}
		if fallback == nil {
			fallback = e
		}
	}
	return fallback
}

// describe shows a value as the file has it.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	if n.Tag == "!!str" {
		return strconv.Quote(n.Value)
	}
	return n.Value
}

// want says in words what a Go type reads.
func want(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "int", "int64", "uint64", "uint32":
		return "a whole number"
	case "float64":
		return "a number"
	case "time.Duration":
		return "a duration such as 100ms, 5s or 2m"
	case "string":
		return "text"
	case "bool":
		return "true or false"
	case "[]config.Chamber":
		return "a list of chambers"
	}
	if strings.HasPrefix(goType, "config.") || strings.HasPrefix(goType, "*config.") {
		return "a mapping of keys"
	}
	return goType
}

// knownKeys lists the keys of each configuration type, by the type's name
// as the decoder's messages give it, for "unknown key" messages.
var knownKeys = func() map[string][]string {
	out := map[string][]string{}
	for _, v := range []any{Config{}, Log{}, Chamber{}, Sim{}, Rat{}, Serial{}} {
		t := reflect.TypeOf(v)
		var keys []string
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			if name != "" && name != "-" {
				keys = append(keys, name)
			}
		}
		out[t.String()] = keys
	}
	return out
}()
