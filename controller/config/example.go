package config

import _ "embed"

//go:embed example.yaml
var example []byte

// Example returns an annotated example configuration, for
// `fivechoice config example`: a GPIO chamber, a serial one (commented out)
// and a simulated one. Its test checks that it parses.
func Example() []byte { return append([]byte(nil), example...) }
