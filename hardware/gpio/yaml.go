package gpio

import (
	"errors"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// UnmarshalYAML reads a wiring, refusing unknown keys and missing lines: a
// forgotten line must not read as offset 0, which is a real line. Embed a
// Wiring in a configuration as a named field (not inline) so this runs.
func (w *Wiring) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("gpio wiring: line %d: want a mapping", n.Line)
	}
	var out Wiring
	fields := map[string]any{
		"chip":            &out.Chip,
		"chip_label":      &out.ChipLabel,
		"holes":           &out.Holes,
		"magazine_beam":   &out.MagazineBeam,
		"stimulus_lights": &out.StimulusLights,
		"house_light":     &out.HouseLight,
		"magazine_light":  &out.MagazineLight,
		"pellet":          &out.Pellet,
		"debounce":        &out.Debounce,
		"pellet_pulse":    &out.PelletPulse,
		"sync":            &out.Sync,
		"sync_pulse":      &out.SyncPulse,
	}
	required := []string{"chip", "holes", "magazine_beam", "stimulus_lights", "house_light", "magazine_light", "pellet", "pellet_pulse"}
	seen := map[string]bool{}
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		dst, ok := fields[k]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("gpio wiring: line %d: unknown key %q", n.Content[i].Line, k))
			continue
		case seen[k]:
			errs = append(errs, fmt.Errorf("gpio wiring: line %d: %s given twice", n.Content[i].Line, k))
			continue
		}
		seen[k] = true
		if err := v.Decode(dst); err != nil {
			errs = append(errs, &FieldError{k, yamlMsg(err)})
		}
	}
	for _, k := range required {
		if !seen[k] {
			errs = append(errs, &FieldError{k, "missing"})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if out.Sync != nil && !seen["sync_pulse"] {
		out.SyncPulse = DefaultSyncPulse
	}
	*w = out
	return nil
}

// UnmarshalYAML reads a line as its offset or name alone (17, GPIO17) or as
// a mapping with exactly one of offset and name. A scalar's YAML type tells
// them apart: 17 is an offset, GPIO17 (or "17", quoted) a name.
func (l *Line) UnmarshalYAML(n *yaml.Node) error {
	const want = "want a line offset (17), a line name (GPIO17) or {offset: ...} / {name: ...}"
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!int":
			var off int
			if err := n.Decode(&off); err != nil {
				return fmt.Errorf("line %d: %s", n.Line, want)
			}
			*l = Line{Offset: off}
		case "!!str":
			if n.Value == "" {
				return fmt.Errorf("line %d: empty line name", n.Line)
			}
			*l = Line{Name: n.Value}
		default:
			return fmt.Errorf("line %d: %s, got %s", n.Line, want, n.Value)
		}
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s", n.Line, want)
	}
	known := []string{"offset", "name", "active_low", "bias"}
	var given []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if !slices.Contains(known, k) {
			return fmt.Errorf("line %d: unknown key %q (offset or name, active_low, bias)", n.Content[i].Line, k)
		}
		if k == "offset" || k == "name" {
			given = append(given, k)
		}
	}
	switch len(given) {
	case 0:
		return fmt.Errorf("line %d: offset or name missing", n.Line)
	case 2:
		return fmt.Errorf("line %d: give the line's offset or its name, not both", n.Line)
	}
	type plain Line // no UnmarshalYAML: no recursion
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	if given[0] == "name" && p.Name == "" {
		return fmt.Errorf("line %d: empty line name", n.Line)
	}
	*l = Line(p)
	return nil
}

// yamlMsg strips yaml's prefix from a decoding error.
func yamlMsg(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return te.Errors[0]
	}
	return err.Error()
}
