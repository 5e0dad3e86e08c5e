package protocols

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A Set is a named parameter set as a session records it: a built-in
// preset (Version 0) or a lab's own saved set (Version 1, 2 ...). A lab set
// never changes once saved; saving its name again makes the next version,
// so name and version together say exactly what a session ran.
type Set struct {
	Name    string `json:"name"`
	Version int    `json:"version,omitempty"`
	Params  Params `json:"params"`
}

// Ref is how studies and training stages pin the set: its name, or
// name@version for a lab set.
func (s Set) Ref() string {
	if s.Version == 0 {
		return s.Name
	}
	return fmt.Sprintf("%s@%d", s.Name, s.Version)
}

// A Finder resolves a set's name, or name@version, to the set: Builtin for
// the built-in sets alone; storage's finder adds the lab's saved sets.
// Everything that takes a protocol by name (sessions, studies, training
// stages) resolves it through a Finder.
type Finder func(ref string) (Set, error)

// ParseRef splits "name" or "name@version"; version 0 means the latest.
func ParseRef(ref string) (name string, version int, err error) {
	name, v, ok := strings.Cut(ref, "@")
	if !ok {
		return ref, 0, nil
	}
	version, err = strconv.Atoi(v)
	if err != nil || version < 1 {
		return "", 0, fmt.Errorf("protocol %q: the version after @ must be a whole number from 1", ref)
	}
	return name, version, nil
}

// Builtin finds a built-in set by name. Built-in sets have no versions:
// they change only with the software, whose version every session records.
func Builtin(ref string) (Set, error) {
	name, version, err := ParseRef(ref)
	if err != nil {
		return Set{}, err
	}
	p, err := Lookup(name)
	if err != nil {
		return Set{}, err
	}
	if version != 0 {
		return Set{}, fmt.Errorf("protocol %q: %s is built in and has no versions", ref, name)
	}
	return Set{Name: name, Params: p}, nil
}

var labName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// CheckLabName refuses a name a lab set cannot have: one that is not a
// short lower-case word (letters, digits, _ and -, starting with a letter,
// at most 40), or one that would shadow a built-in set, so that a name in
// an old session's record or a paper's methods always means one thing.
func CheckLabName(name string) error {
	switch {
	case !labName.MatchString(name):
		return fmt.Errorf("parameter set name %q: want a lower-case letter then letters, digits, _ or - (at most 40)", name)
	case slices.Contains(PresetNames(), name):
		return fmt.Errorf("parameter set name %q: a built-in set has that name; a lab set must not shadow it (choose e.g. %s_lab)", name, name)
	}
	return nil
}
