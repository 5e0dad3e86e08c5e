// Package paramsets reads a lab's own parameter set before it is saved: its
// name, the set it is a variant of, and the parameters it changes, from a
// command line's flags or a YAML file, and builds the full parameter set
// with the same checks as every session's (protocols.Params.Check), each
// error naming the parameter (and, from a file, its line). Saving and
// versioning are storage's (storage.SaveParamSet).
package paramsets

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fivechoice/fivechoice/protocols"
)

// A Change sets one parameter (its name as in docs/rules.md section 2) to
// a value as JSON; Line is where a file set it, 0 for a flag.
type Change struct {
	Param string
	Value json.RawMessage
	Line  int
}

// A Draft is a set to be saved.
type Draft struct {
	File        string // the YAML file it came from; empty for flags
	Name        string
	From        string // the set it is a variant of: a built-in, or a lab set (name or name@version)
	Description string
	Changes     []Change
}

// Set adds a change of param to v (any JSON-encodable value).
func (d *Draft) Set(param string, v any) {
	b, _ := json.Marshal(v) // plain values only
	d.Changes = append(d.Changes, Change{Param: param, Value: b})
}

// Build applies the changes to the base set (found with find) and checks
// the result. Every change is applied on its own so that a wrong one is
// named; a change of "seed" is refused, since each session draws its own.
func (d Draft) Build(find protocols.Finder) (protocols.Params, string, error) {
	if d.From == "" {
		return protocols.Params{}, "", errors.New("from: which set is this a variant of? (--from baseline, or from: in the file)")
	}
	base, err := find(d.From)
	if err != nil {
		return protocols.Params{}, "", fmt.Errorf("from: %w", err)
	}
	p := base.Params
	var errs []error
	for _, c := range d.Changes {
		if c.Param == "seed" {
			errs = append(errs, d.at(c.Param, errors.New("parameter seed: each session draws its own seed")))
			continue
		}
		obj, _ := json.Marshal(map[string]json.RawMessage{c.Param: c.Value})
		if p, err = p.Override(obj); err != nil {
			errs = append(errs, d.at(c.Param, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return p, "", err
	}
	if _, err := p.Check(); err != nil {
		return p, "", d.located(err)
	}
	return p, base.Ref(), nil
}

// Summary describes the changes, for a set saved without a description.
func (d Draft) Summary() string {
	parts := make([]string, len(d.Changes))
	for i, c := range d.Changes {
		parts[i] = c.Param + " " + strings.Trim(string(c.Value), `"`)
	}
	return fmt.Sprintf("variant of %s: %s", d.From, strings.Join(parts, ", "))
}

// located prefixes each parameter error with the file and line of the
// change that set that parameter.
func (d Draft) located(err error) error {
	var out []error
	var joined interface{ Unwrap() []error }
	errs := []error{err}
	if errors.As(err, &joined) {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		var pe *protocols.ParamError
		if errors.As(e, &pe) {
			name, _, _ := strings.Cut(pe.Param, "[")
			e = d.at(name, e)
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

func (d Draft) at(param string, err error) error {
	for _, c := range d.Changes {
		if c.Param == param && c.Line > 0 {
			return fmt.Errorf("%s:%d: %w", d.File, c.Line, err)
		}
	}
	return err
}

// Load reads a draft from a YAML file:
//
//	name: three_choice
//	from: baseline
//	description: 3-choice, holes 1 and 5 masked
//	params:
//	  active_holes: [2, 3, 4]
//	  iti: 7s
func Load(path string) (Draft, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Draft{}, fmt.Errorf("parameter set file: %w", err)
	}
	return Parse(path, data)
}

// Parse reads a draft; a problem is reported with the file and line.
func Parse(file string, data []byte) (Draft, error) {
	d := Draft{File: file}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return d, fmt.Errorf("%s: %w", file, err)
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return d, fmt.Errorf("%s: want a mapping with name, from, description and params", file)
	}
	var errs []error
	top := root.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "name":
			d.Name = v.Value
		case "from":
			d.From = v.Value
		case "description":
			d.Description = v.Value
		case "params":
			errs = append(errs, d.params(v)...)
		default:
			errs = append(errs, fmt.Errorf("%s:%d: unknown key %q (name, from, description, params)", file, k.Line, k.Value))
		}
	}
	return d, errors.Join(errs...)
}

func (d *Draft) params(n *yaml.Node) []error {
	if n.Kind != yaml.MappingNode {
		return []error{fmt.Errorf("%s:%d: params: want a mapping of parameter: value", d.File, n.Line)}
	}
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var x any
		if err := v.Decode(&x); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %w", d.File, v.Line, k.Value, err))
			continue
		}
		b, err := json.Marshal(x)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %w", d.File, v.Line, k.Value, err))
			continue
		}
		d.Changes = append(d.Changes, Change{Param: k.Value, Value: b, Line: k.Line})
	}
	return errs
}
