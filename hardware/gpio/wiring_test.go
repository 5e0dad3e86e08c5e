package gpio

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestValidateNamesTheField(t *testing.T) {
	if err := testWiring().Validate(); err != nil {
		t.Fatalf("good wiring refused: %v", err)
	}
	cases := []struct {
		field string
		edit  func(w *Wiring)
	}{
		{"chip", func(w *Wiring) { w.Chip = "" }},
		{"chip", func(w *Wiring) { w.Chip = "/dev/" }},
		{"holes", func(w *Wiring) { w.Holes = w.Holes[:2]; w.StimulusLights = w.StimulusLights[:2] }},
		{"stimulus_lights", func(w *Wiring) { w.StimulusLights = w.StimulusLights[:4] }},
		{"holes[2].offset", func(w *Wiring) { w.Holes[2].Offset = -1 }},
		{"holes[3].offset", func(w *Wiring) { w.Holes[3].Offset = w.Holes[1].Offset }},
		{"pellet.offset", func(w *Wiring) { w.Pellet.Offset = w.HouseLight.Offset }},
		{"magazine_beam.offset", func(w *Wiring) { w.MagazineBeam.Offset = w.Holes[0].Offset }},
		{"house_light.bias", func(w *Wiring) { w.HouseLight.Bias = "pullup" }},
		{"debounce", func(w *Wiring) { w.Debounce = -time.Millisecond }},
		{"debounce", func(w *Wiring) { w.Debounce = time.Second }},
		{"pellet_pulse", func(w *Wiring) { w.PelletPulse = 0 }},
		{"pellet_pulse", func(w *Wiring) { w.PelletPulse = 2 * time.Second }},
		{"sync_pulse", func(w *Wiring) { w.SyncPulse = 10 * time.Millisecond }},
		{"sync_pulse", func(w *Wiring) { w.Sync, w.SyncPulse = &Line{Offset: 20}, 500*time.Microsecond }},
		{"sync_pulse", func(w *Wiring) { w.Sync, w.SyncPulse = &Line{Offset: 20}, 2*time.Second }},
		{"sync.offset", func(w *Wiring) { w.Sync, w.SyncPulse = &Line{Offset: w.Pellet.Offset}, DefaultSyncPulse }},
	}
	for _, tc := range cases {
		w := testWiring()
		tc.edit(&w)
		err := w.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: got %v, want a FieldError naming %s", tc.field, err, tc.field)
		}
	}
}

const exampleYAML = `
chip: gpiochip0
chip_label: fake-chip
holes:
  - {offset: 0, active_low: true, bias: pull_up}
  - {offset: 1, active_low: true, bias: pull_up}
  - {offset: 2, active_low: true, bias: pull_up}
  - {offset: 3, active_low: true, bias: pull_up}
  - {offset: 4, active_low: true, bias: pull_up}
magazine_beam: {offset: 5, active_low: true, bias: pull_up}
stimulus_lights: [6, 7, 8, 9, 10]
house_light: 11
magazine_light: 12
pellet: {offset: 13}
debounce: 2ms
pellet_pulse: 50ms
`

func TestYAML(t *testing.T) {
	var w Wiring
	if err := yaml.Unmarshal([]byte(exampleYAML), &w); err != nil {
		t.Fatal(err)
	}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	want := testWiring()
	want.MagazineBeam = Line{Offset: 5, ActiveLow: true, Bias: BiasPullUp}
	want.Debounce, want.PelletPulse = 2*time.Millisecond, 50*time.Millisecond
	if got := w; !equalWiring(got, want) {
		t.Errorf("decoded %+v\nwant    %+v", got, want)
	}
	// Embedded as a field of a configuration.
	var cfg struct {
		Chambers []struct {
			Name string `yaml:"name"`
			GPIO Wiring `yaml:"gpio"`
		} `yaml:"chambers"`
	}
	doc := "chambers:\n  - name: box1\n    gpio:\n" + indent(exampleYAML, "      ")
	if err := yaml.Unmarshal([]byte(doc), &cfg); err != nil {
		t.Fatal(err)
	}
	if !equalWiring(cfg.Chambers[0].GPIO, want) {
		t.Errorf("embedded: decoded %+v", cfg.Chambers[0].GPIO)
	}
}

func TestYAMLRefuses(t *testing.T) {
	cases := []struct{ name, edit, want string }{
		{"missing line", "house_light: 11\n", "house_light: missing"},
		{"missing pulse", "pellet_pulse: 50ms\n", "pellet_pulse: missing"},
		{"unknown key", "house_light: 11\n|houselight: 11\n", `unknown key "houselight"`},
		{"line key", "pellet: {offset: 13}\n|pellet: {ofset: 13}\n", `unknown key "ofset"`},
		{"line offset", "pellet: {offset: 13}\n|pellet: {active_low: true}\n", "offset or name missing"},
		{"duration", "debounce: 2ms\n|debounce: 2\n", "debounce"},
		{"twice", "house_light: 11\n|house_light: 11\nhouse_light: 14\n", "given twice"},
	}
	for _, tc := range cases {
		old, repl, _ := strings.Cut(tc.edit, "|")
		doc := strings.Replace(exampleYAML, old, repl, 1)
		var w Wiring
		err := yaml.Unmarshal([]byte(doc), &w)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

func equalWiring(a, b Wiring) bool {
	ya, _ := yaml.Marshal(a)
	yb, _ := yaml.Marshal(b)
	return string(ya) == string(yb)
}

func indent(s, pre string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		b.WriteString(pre + l + "\n")
	}
	return b.String()
}

func TestCheck(t *testing.T) {
	g := newFakeGPIO()
	g.addChip("gpiochip1", "small-chip", 8)
	h := fakeHost(g, (&fakeClock{}).now)
	second := testWiring()
	for i := range second.Holes {
		second.Holes[i].Offset += 16
		second.StimulusLights[i].Offset += 16
	}
	second.MagazineBeam.Offset += 16
	second.HouseLight.Offset += 16
	second.MagazineLight.Offset += 16
	second.Pellet.Offset += 16
	if _, err := check(h, []Wiring{testWiring(), second}); err != nil {
		t.Fatalf("good wirings refused: %v", err)
	}

	cases := []struct {
		name    string
		release string
		ws      func() []Wiring
		is      error
		want    string
	}{
		{"old kernel", "5.4.0-150-generic", func() []Wiring { return []Wiring{testWiring()} }, ErrOldKernel, "5.4.0"},
		{"5.9", "5.9.16", func() []Wiring { return []Wiring{testWiring()} }, ErrOldKernel, "older than 5.10"},
		{"unreadable release", "banana", func() []Wiring { return []Wiring{testWiring()} }, nil, "cannot read kernel release"},
		{"no chip", "", func() []Wiring { w := testWiring(); w.Chip = "gpiochip7"; return []Wiring{w} }, ErrNoChip, "chamber 1: chip"},
		{"no line", "", func() []Wiring { w := testWiring(); w.Pellet.Offset = 32; return []Wiring{w} }, ErrNoLine, "pellet.offset"},
		{"small chip", "", func() []Wiring {
			w := second
			w.Chip, w.ChipLabel = "gpiochip1", "small-chip"
			return []Wiring{testWiring(), w}
		}, ErrNoLine, "chamber 2: holes[0].offset"},
		{"across chambers", "", func() []Wiring {
			w := second
			w.StimulusLights = append([]Line(nil), w.StimulusLights...)
			w.StimulusLights[2].Offset = 12
			return []Wiring{testWiring(), w}
		}, ErrLineTwice, "chamber 2: stimulus_lights[2].offset: gpio: line wired twice: gpiochip0 line 12 is also chamber 1's magazine_light"},
		{"same chip spelt twice", "", func() []Wiring { w := testWiring(); w.Chip = "/dev/gpiochip0"; return []Wiring{testWiring(), w} }, ErrLineTwice, "chamber 2"},
		{"within a chamber", "", func() []Wiring { w := testWiring(); w.HouseLight.Offset = 13; return []Wiring{w} }, nil, "chamber 1: gpio wiring: pellet.offset: line 13 is also house_light"},
	}
	for _, tc := range cases {
		h := h
		if tc.release != "" {
			h.kernelRelease = func() (string, error) { return tc.release, nil }
		}
		_, err := check(h, tc.ws())
		if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("%s: got %v, want %v with %q", tc.name, err, tc.is, tc.want)
		}
	}
}

func TestParseRelease(t *testing.T) {
	for r, want := range map[string][2]int{"5.10.0": {5, 10}, "6.1.0-18-amd64": {6, 1}, "7.2.13+deb14-amd64": {7, 2}, "6.18rc1": {6, 18}} {
		if got, ok := parseRelease(r); !ok || got != want {
			t.Errorf("%s: got %v %v", r, got, ok)
		}
	}
	if err := checkKernel("5.10.0"); err != nil {
		t.Errorf("5.10 refused: %v", err)
	}
}

func TestYAMLNamesAndChips(t *testing.T) {
	doc := `
chip: pinctrl-bcm2711
holes: [GPIO5, GPIO6, {name: GPIO13, active_low: true, bias: pull_up}]
magazine_beam: {name: GPIO21, active_low: true}
stimulus_lights: [17, GPIO27, "22"]
house_light: GPIO25
magazine_light: {offset: 12}
pellet: GPIO16
pellet_pulse: 50ms
`
	var w Wiring
	if err := yaml.Unmarshal([]byte(doc), &w); err != nil {
		t.Fatal(err)
	}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []Line{{Name: "GPIO5"}, {Name: "GPIO6"}, {Name: "GPIO13", ActiveLow: true, Bias: BiasPullUp}}
	if w.Chip != "pinctrl-bcm2711" || !slices.Equal(w.Holes, want) || w.MagazineBeam != (Line{Name: "GPIO21", ActiveLow: true}) ||
		!slices.Equal(w.StimulusLights, []Line{{Offset: 17}, {Name: "GPIO27"}, {Name: "22"}}) || w.Pellet != (Line{Name: "GPIO16"}) {
		t.Errorf("decoded %+v", w)
	}
	for _, spelling := range []string{"0", "gpiochip0", "/dev/gpiochip0"} {
		var w Wiring
		d := strings.Replace(doc, "chip: pinctrl-bcm2711", "chip: "+spelling+"\nchip_label: pinctrl-bcm2711", 1)
		if err := yaml.Unmarshal([]byte(d), &w); err != nil || w.Validate() != nil || w.chipPath() != "/dev/gpiochip0" {
			t.Errorf("chip: %s: %v, %v, path %q", spelling, err, w.Validate(), w.chipPath())
		}
	}
	for edit, want := range map[string]string{
		"pellet: GPIO16|pellet: {offset: 16, name: GPIO16}": "offset or its name, not both",
		"pellet: GPIO16|pellet: {name: ''}":                 "empty line name",
		"pellet: GPIO16|pellet: ''":                         "empty line name",
		"pellet: GPIO16|pellet: 1.5":                        "want a line offset (17), a line name (GPIO17)",
	} {
		old, repl, _ := strings.Cut(edit, "|")
		var w Wiring
		if err := yaml.Unmarshal([]byte(strings.Replace(doc, old, repl, 1)), &w); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", repl, err, want)
		}
	}
}
