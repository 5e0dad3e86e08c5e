package config

import (
	"strings"
	"testing"
)

// FuzzParse: any file is either refused with an error that names the
// file, or gives a configuration whose chambers have unique names.
func FuzzParse(f *testing.F) {
	f.Add(string(Example()))
	f.Add("token: abcdefghijklmnopqrstuvwxyz012345\nchambers:\n  - {name: box1, backend: sim}\n")
	f.Add("chambers:\n  - {name: a, backend: gpio, gpio: {chip: gpiochip0}}\n")
	f.Add("listen: [\n")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := Parse("fuzz.yaml", []byte(data))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, ch := range c.Chambers {
			if seen[ch.Name] {
				t.Errorf("chamber %q accepted twice", ch.Name)
			}
			seen[ch.Name] = true
		}
	})
}
