package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/hardware/gpio"
)

// namedChamber is a GPIO chamber on a chip given by label, every line by
// name, GPIO<base>.. onwards.
func namedChamber(name, chip string, base int) string {
	var ls []string
	for i := range 14 {
		ls = append(ls, "GPIO"+strconv.Itoa(base+i))
	}
	return "  - name: " + name + "\n    backend: gpio\n    gpio:\n" +
		"      chip: " + chip + "\n" +
		"      holes: [" + strings.Join(ls[0:5], ", ") + "]\n" +
		"      magazine_beam: {name: " + ls[5] + ", active_low: true}\n" +
		"      stimulus_lights: [" + strings.Join(ls[6:11], ", ") + "]\n" +
		"      house_light: " + ls[11] + "\n" +
		"      magazine_light: " + ls[12] + "\n" +
		"      pellet: " + ls[13] + "\n" +
		"      pellet_pulse: 50ms\n"
}

func TestGPIOChipsAndLineNames(t *testing.T) {
	head := "token_file: token\nchambers:\n"
	c, err := parse(t, head+namedChamber("a", "pinctrl-bcm2711", 0)+namedChamber("b", "pinctrl-bcm2711", 14))
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Chambers[1].GPIOWiring(); w.Chip != "pinctrl-bcm2711" || w.Pellet != (gpio.Line{Name: "GPIO27"}) || !w.MagazineBeam.ActiveLow {
		t.Errorf("wiring %+v", w)
	}
	refused := []struct{ name, doc, want string }{
		{"one line name in two chambers", head + namedChamber("a", "pinctrl-bcm2711", 0) + namedChamber("b", "pinctrl-bcm2711", 13),
			"chambers[1].gpio.holes[0]: pinctrl-bcm2711 line GPIO13 is also chambers[0].gpio.pellet"},
		{"one chip by number and by path", head + gpioChamber("a", "0", 0) + gpioChamber("b", "/dev/gpiochip0", 13),
			"chambers[1].gpio.holes[0]: gpiochip0 line 13 is also chambers[0].gpio.pellet"},
		{"a number without its label", head + strings.Replace(gpioChamber("a", "0", 0), "      chip_label: test-chip\n", "", 1),
			`:5: chambers[0].gpio.chip_label: required with chip "0": the label gpiodetect shows`},
		{"a label with chip_label", head + strings.Replace(namedChamber("a", "pinctrl-rp1", 0), "      chip: pinctrl-rp1\n", "      chip: pinctrl-rp1\n      chip_label: pinctrl-rp1\n", 1),
			`chambers[0].gpio.chip_label: chip "pinctrl-rp1" names the chip by its label already`},
		{"a line by offset and name", head + strings.Replace(namedChamber("a", "pinctrl-rp1", 0), "pellet: GPIO13", "pellet: {offset: 13, name: GPIO13}", 1),
			`chambers[0].gpio.pellet: give the line's offset or its name, not both`},
	}
	for _, tc := range refused {
		if _, err := parse(t, tc.doc); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadChambersNeedsNoToken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fivechoice.yaml")
	doc := "token_file: ${CREDENTIALS_DIRECTORY}/token\nchambers:\n" + namedChamber("a", "pinctrl-bcm2711", 0)
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDENTIALS_DIRECTORY", filepath.Join(dir, "gone"))
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "token_file") {
		t.Fatalf("Load without the token: %v", err)
	}
	c, err := LoadChambers(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Chambers) != 1 || c.Token != "" {
		t.Errorf("chambers %+v, token %q", c.Chambers, c.Token)
	}
	// The chambers are still checked.
	if err := os.WriteFile(path, []byte(strings.Replace(doc, "pellet: GPIO13", "pellet: GPIO12", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadChambers(path); err == nil || !strings.Contains(err.Error(), "line GPIO12 is also magazine_light") {
		t.Errorf("a line twice: %v", err)
	}
}
