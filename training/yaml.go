package training

import (
	"errors"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/fivechoice/fivechoice/protocols"
)

// Load reads a lab's programme from a YAML file (docs/training.md).
func Load(path string) (Programme, error) { return LoadWith(path, protocols.Lookup) }

// LoadWith is Load with stage parameter sets resolved by find, so that a
// programme may name the lab's own sets (storage's DB.Lookup).
func LoadWith(path string, find Lookup) (Programme, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Programme{}, fmt.Errorf("programme: %w", err)
	}
	return ParseWith(path, data, find)
}

// Parse reads a programme; every problem is reported with the file and
// line, and a programme that parses is also checked (Check), so a wrong
// one is refused before any rat runs on it.
func Parse(file string, data []byte) (Programme, error) {
	return ParseWith(file, data, protocols.Lookup)
}

// ParseWith is Parse with stage parameter sets resolved by find.
func ParseWith(file string, data []byte, find Lookup) (Programme, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Programme{}, fmt.Errorf("%s: %w", file, err)
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return Programme{}, fmt.Errorf("%s: want a mapping with name and stages", file)
	}
	var p Programme
	var errs []error
	bad := func(n *yaml.Node, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, n.Line, fmt.Sprintf(format, a...)))
	}
	top := root.Content[0]
	var stageLines []int
	once := twice(bad, "")
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		once(k)
		switch k.Value {
		case "name":
			p.Name = v.Value
		case "stages":
			if v.Kind != yaml.SequenceNode {
				bad(v, "stages: want a list")
				continue
			}
			for j, sn := range v.Content {
				p.Stages = append(p.Stages, stage(sn, fmt.Sprintf("stages[%d]", j), bad))
				stageLines = append(stageLines, sn.Line)
			}
		default:
			bad(k, "unknown key %q (name, stages)", k.Value)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return p, err
	}
	// What Check finds, at the line of the stage it is in.
	for _, pr := range p.problems(find) {
		line := top.Line
		if pr.stage >= 0 && pr.stage < len(stageLines) {
			line = stageLines[pr.stage]
		}
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, line, pr.msg))
	}
	return p, errors.Join(errs...)
}

// twice returns a function that reports a key given twice in one mapping
// (YAML would otherwise keep the last silently).
func twice(bad func(*yaml.Node, string, ...any), at string) func(*yaml.Node) {
	seen := map[string]bool{}
	return func(k *yaml.Node) {
		if seen[k.Value] {
			bad(k, "%s%q is given twice", at, k.Value)
		}
		seen[k.Value] = true
	}
}

func stage(n *yaml.Node, at string, bad func(*yaml.Node, string, ...any)) Stage {
	var s Stage
	if n.Kind != yaml.MappingNode {
		bad(n, "%s: want a mapping", at)
		return s
	}
	once := twice(bad, at+": ")
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		once(k)
		switch k.Value {
		case "name":
			s.Name = v.Value
		case "protocol":
			s.Protocol = v.Value
		case "sessions", "fall_back_sessions":
			var x int
			if err := v.Decode(&x); err != nil {
				bad(v, "%s.%s: want a whole number, got %q", at, k.Value, v.Value)
			}
			if k.Value == "sessions" {
				s.Sessions = x
			} else {
				s.FallBackSessions = x
			}
		case "advance", "fall_back":
			cs := criteria(v, at+"."+k.Value, bad)
			if k.Value == "advance" {
				s.Advance = cs
			} else {
				s.FallBack = cs
			}
		default:
			bad(k, "%s: unknown key %q (name, protocol, advance, sessions, fall_back, fall_back_sessions)", at, k.Value)
		}
	}
	return s
}

func criteria(n *yaml.Node, at string, bad func(*yaml.Node, string, ...any)) []Criterion {
	if n.Kind != yaml.SequenceNode {
		bad(n, "%s: want a list of criteria such as [\"correct >= 50\", \"accuracy_pct > 80\"]", at)
		return nil
	}
	var out []Criterion
	for i, c := range n.Content {
		cr, err := ParseCriterion(c.Value)
		if err != nil {
			bad(c, "%s[%d]: %v", at, i, err)
			continue
		}
		out = append(out, cr)
	}
	return out
}
