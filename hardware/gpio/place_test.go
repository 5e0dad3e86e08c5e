package gpio

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

// piHost is a machine like a Raspberry Pi 4: the header's chip is
// gpiochip0, labelled pinctrl-bcm2711, with lines named GPIO0..GPIO31
// (GPIO5 twice, as a badly written device tree might), plus a second chip
// with unnamed lines and a udev symlink /dev/gpiochip-box1 to gpiochip0.
func piHost() (host, *fakeGPIO) {
	g := newFakeGPIO()
	names := make([]string, 32)
	for i := range names {
		names[i] = "GPIO" + strconv.Itoa(i)
	}
	names[6] = "GPIO5"
	g.addChip("gpiochip0", "pinctrl-bcm2711", 32, names...)
	g.addChip("gpiochip1", "raspberrypi-exp-gpio", 8)
	g.links["/dev/gpiochip-box1"] = "/dev/gpiochip0"
	return fakeHost(g, (&fakeClock{}).now), g
}

// named is testWiring with every line given by its name on piHost's chip,
// the holes on GPIO20.. and the rest on GPIO10..
func named(chip, label string) Wiring {
	w := testWiring()
	w.Chip, w.ChipLabel = chip, label
	n := func(s string) Line { return Line{Name: s} }
	w.Holes = []Line{n("GPIO20"), n("GPIO21"), n("GPIO22"), n("GPIO23"), n("GPIO24")}
	w.StimulusLights = []Line{n("GPIO10"), n("GPIO11"), n("GPIO12"), n("GPIO13"), n("GPIO14")}
	w.MagazineBeam, w.HouseLight, w.MagazineLight, w.Pellet = n("GPIO25"), n("GPIO15"), n("GPIO16"), n("GPIO17")
	return w
}

func TestCheckFindsChipsAndLines(t *testing.T) {
	h, _ := piHost()
	for _, tc := range []struct{ chip, label string }{
		{"pinctrl-bcm2711", ""},
		{"0", "pinctrl-bcm2711"},
		{"gpiochip0", "pinctrl-bcm2711"},
		{"/dev/gpiochip0", "pinctrl-bcm2711"},
		{"/dev/gpiochip-box1", "pinctrl-bcm2711"},
	} {
		ps, err := check(h, []Wiring{named(tc.chip, tc.label)})
		if err != nil {
			t.Errorf("chip %q: %v", tc.chip, err)
			continue
		}
		if p := ps[0]; p.dev != "gpiochip0" || p.w.Pellet.Offset != 17 || p.w.Holes[4].Offset != 24 || p.w.Pellet.Name != "GPIO17" {
			t.Errorf("chip %q: placed on %s, pellet %+v, hole 5 %+v", tc.chip, p.dev, p.w.Pellet, p.w.Holes[4])
		}
	}
}

func TestCheckRefusesChipsAndLines(t *testing.T) {
	h, g := piHost()
	cases := []struct {
		name string
		ws   func() []Wiring
		is   error
		want string
	}{
		{"wrong number", func() []Wiring { return []Wiring{named("1", "pinctrl-bcm2711")} }, ErrWrongChip,
			`chamber 1: chip_label: gpio: chip has another label: 1 (gpiochip1) is labelled "raspberrypi-exp-gpio", not "pinctrl-bcm2711"`},
		{"symlink to another chip", func() []Wiring { return []Wiring{named("/dev/gpiochip-box1", "pinctrl-rp1")} }, ErrWrongChip,
			`/dev/gpiochip-box1 (gpiochip0) is labelled "pinctrl-bcm2711", not "pinctrl-rp1"`},
		{"no such label", func() []Wiring { return []Wiring{named("pinctrl-rp1", "")} }, ErrNoChip,
			`chamber 1: chip: gpio: no such chip: no chip is labelled "pinctrl-rp1"; this machine has gpiochip0 "pinctrl-bcm2711", gpiochip1 "raspberrypi-exp-gpio"`},
		{"a device name read as a label", func() []Wiring { return []Wiring{named("gpiochip-box1", "")} }, ErrNoChip,
			"a device file is named by its path, e.g. /dev/gpiochip-box1"},
		{"no such path", func() []Wiring { return []Wiring{named("/dev/gpiochip7", "pinctrl-bcm2711")} }, ErrNoChip, "chamber 1: chip: "},
		{"no such name", func() []Wiring { w := named("pinctrl-bcm2711", ""); w.Pellet.Name = "GPIO99"; return []Wiring{w} }, ErrNoLine,
			`chamber 1: pellet.name: gpio: no such line: gpiochip0 ("pinctrl-bcm2711") has no line named "GPIO99"`},
		{"a name twice on the chip", func() []Wiring { w := named("pinctrl-bcm2711", ""); w.HouseLight.Name = "GPIO5"; return []Wiring{w} }, ErrNameTwice,
			`chamber 1: house_light.name: gpio: line name not unique: gpiochip0 ("pinctrl-bcm2711") has 2 lines named "GPIO5" (offsets 5, 6): give the offset instead`},
		{"a name and an offset for one line", func() []Wiring {
			w := named("pinctrl-bcm2711", "")
			w.HouseLight = Line{Offset: 17}
			return []Wiring{w}
		}, ErrLineTwice, "chamber 1: pellet.name: gpio: line wired twice: gpiochip0 line 17 (GPIO17) is also house_light"},
		{"one line in two chambers, the chip named differently", func() []Wiring {
			// Clear of named()'s lines but for the magazine light.
			w2 := testWiring()
			w2.Chip, w2.ChipLabel = "/dev/gpiochip-box1", "pinctrl-bcm2711"
			w2.StimulusLights = []Line{{Offset: 26}, {Offset: 27}, {Offset: 28}, {Offset: 29}, {Offset: 30}}
			w2.MagazineBeam, w2.HouseLight, w2.MagazineLight, w2.Pellet = Line{Offset: 7}, Line{Offset: 31}, Line{Offset: 12}, Line{Offset: 8}
			return []Wiring{named("pinctrl-bcm2711", ""), w2}
		}, ErrLineTwice, "chamber 2: magazine_light.offset: gpio: line wired twice: gpiochip0 line 12 is also chamber 1's stimulus_lights[2]"},
	}
	for _, tc := range cases {
		_, err := check(h, tc.ws())
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %v with %q", tc.name, err, tc.is, tc.want)
		}
	}

	// Two chips with one label: by label is ambiguous, by path with the
	// label is not.
	g.addChip("gpiochip2", "cp2112", 16)
	g.addChip("gpiochip3", "cp2112", 16)
	w := testWiring()
	w.Chip, w.ChipLabel = "cp2112", ""
	if _, err := check(h, []Wiring{w}); !errors.Is(err, ErrChipTwice) || !strings.Contains(err.Error(), `2 chips are labelled "cp2112" (gpiochip2, gpiochip3)`) {
		t.Errorf("two chips with one label: %v", err)
	}

	// A chip that cannot be opened, looked up by label.
	g.denied["gpiochip2"], g.denied["gpiochip3"] = true, true
	if _, err := check(h, []Wiring{w}); !errors.Is(err, ErrNoAccess) {
		t.Errorf("chips not open to this user: %v, want ErrNoAccess", err)
	}
}

func TestValidateChipAndNames(t *testing.T) {
	cases := []struct {
		field string
		want  string
		edit  func(w *Wiring)
	}{
		{"chip_label", "required with chip \"gpiochip0\"", func(w *Wiring) { w.ChipLabel = "" }},
		{"chip_label", "required with chip \"3\"", func(w *Wiring) { w.Chip, w.ChipLabel = "3", "" }},
		{"chip_label", "required with chip \"/dev/gpiochip-box1\"", func(w *Wiring) { w.Chip, w.ChipLabel = "/dev/gpiochip-box1", "" }},
		{"chip_label", "names the chip by its label already", func(w *Wiring) { w.Chip = "pinctrl-rp1" }},
		{"pellet.name", "not both", func(w *Wiring) { w.Pellet.Name = "GPIO13" }},
		{"house_light.name", "line GPIO17 is also holes[0]", func(w *Wiring) {
			w.Holes[0] = Line{Name: "GPIO17"}
			w.HouseLight = Line{Name: "GPIO17"}
		}},
	}
	for _, tc := range cases {
		w := testWiring()
		tc.edit(&w)
		var fe *FieldError
		if err := w.Validate(); !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Msg, tc.want) {
			t.Errorf("%s: got %v, want %s: ...%s", tc.field, err, tc.field, tc.want)
		}
	}
}

func TestAccessHint(t *testing.T) {
	for group, want := range map[string][]string{
		"gpio": {"add the user running fivechoice to the group gpio", "SupplementaryGroups=gpio", UdevRule},
		"root": {"not open to a group", "/etc/udev/rules.d/60-fivechoice-gpio.rules", UdevRule, "usermod -aG gpio"},
	} {
		got := accessHint(group)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("group %s: %q lacks %q", group, got, w)
			}
		}
	}
}

// TestShippedUdevRule: the rule the error message gives is the one shipped
// in deploy/udev, and the systemd unit switches the outputs off whenever the
// daemon stops.
func TestShippedUdevRule(t *testing.T) {
	if os.Getenv("FIVECHOICE_GPIO_VM") != "" {
		t.Skip("in the test VM, which holds no repository")
	}
	rule, err := os.ReadFile("../../deploy/udev/60-fivechoice-gpio.rules")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rule), "\n"+UdevRule+"\n") {
		t.Errorf("deploy/udev/60-fivechoice-gpio.rules lacks the line %s", UdevRule)
	}
	unit, err := os.ReadFile("../../deploy/systemd/fivechoice.service")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(unit), "\nExecStopPost=/usr/local/bin/fivechoice outputs-off --config /etc/fivechoice/fivechoice.yaml\n") {
		t.Error("the systemd unit does not run outputs-off when the daemon stops")
	}
}
