package gpio

// Kernel tests of naming chips and lines, of a chip the process may not
// open and of switching outputs off, on gpio-sim (see kernel_test.go).

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/warthog618/go-gpiosim"
)

// newNamedSimChip makes a simulated chip labelled label whose lines are
// named GPIO0, GPIO1, ..., but for line 15, which is named GPIO14 too.
func newNamedSimChip(t *testing.T, label string, n int) *gpiosim.Chip {
	t.Helper()
	needGPIOSim(t)
	var opts []gpiosim.NewBankOption
	for i := range n {
		name := fmt.Sprintf("GPIO%d", i)
		if i == 15 {
			name = "GPIO14"
		}
		opts = append(opts, gpiosim.WithNamedLine(i, name))
	}
	s, err := gpiosim.NewSim(gpiosim.WithBank(gpiosim.NewBank(label, n, opts...)))
	if err != nil {
		t.Fatalf("gpio-sim: %v", err)
	}
	t.Cleanup(s.Close)
	return &s.Chips[0]
}

// byName is simWiring with every line given by its name, the chip by its
// label.
func byName(chip *gpiosim.Chip) Wiring {
	w := simWiring(chip)
	w.Chip, w.ChipLabel = chip.Config().Label, ""
	w = w.withLines(func(_ string, l Line) Line {
		l.Name, l.Offset = fmt.Sprintf("GPIO%d", l.Offset), 0
		return l
	})
	return w
}

func TestKernelChipsAndLinesByName(t *testing.T) {
	chip := newNamedSimChip(t, "fivechoice-named", 32)
	other := newSimChip(t, 16)
	w := byName(chip)
	c := openSim(t, w)
	if c.dev != chip.ChipName() || c.w.Pellet.Offset != 13 {
		t.Errorf("opened on %s with the pellet on line %d, want %s line 13", c.dev, c.w.Pellet.Offset, chip.ChipName())
	}
	c.Close()

	// A udev symlink to the chip, with the label asserted.
	link := "/dev/gpiochip-fivechoice-test"
	if err := os.Symlink(filepath.Base(chip.DevPath()), link); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(link) })
	for _, spelling := range []string{link, chip.DevPath(), chip.ChipName(), strings.TrimPrefix(chip.ChipName(), "gpiochip")} {
		w := simWiring(chip)
		w.Chip, w.ChipLabel = spelling, "fivechoice-named"
		if err := Check([]Wiring{w}); err != nil {
			t.Errorf("chip %s: %v", spelling, err)
		}
	}

	refused := []struct {
		name string
		edit func(w *Wiring)
		is   error
		want string
	}{
		{"the number of another chip", func(w *Wiring) {
			w.Chip, w.ChipLabel = other.ChipName(), "fivechoice-named"
		}, ErrWrongChip, `chip_label: gpio: chip has another label: ` + other.ChipName() + ` is labelled "fivechoice-test", not "fivechoice-named"`},
		{"a label no chip has", func(w *Wiring) { w.Chip = "pinctrl-rp1" }, ErrNoChip, `no chip is labelled "pinctrl-rp1"; this machine has `},
		{"a line name the chip lacks", func(w *Wiring) { w.Holes[2].Name = "GPIO99" }, ErrNoLine, `holes[2].name: gpio: no such line: ` + chip.ChipName() + ` ("fivechoice-named") has no line named "GPIO99"`},
		{"a line name the chip has twice", func(w *Wiring) { w.Holes[2].Name = "GPIO14" }, ErrNameTwice, `has 2 lines named "GPIO14" (offsets 14, 15)`},
	}
	for _, tc := range refused {
		w := byName(chip)
		tc.edit(&w)
		err := Check([]Wiring{w})
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %v with %q", tc.name, err, tc.is, tc.want)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}
}

// TestKernelNoAccess opens a chip as a user who may not (the test binary
// run again as nobody) and checks that the refusal says what to do.
func TestKernelNoAccess(t *testing.T) {
	chip := newSimChip(t, 16)
	if os.Getuid() != 0 {
		t.Skip("needs root, to run a process as another user")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoAccessChild$", "-test.v")
	cmd.Env = append(os.Environ(), "FIVECHOICE_GPIO_NOACCESS="+chip.ChipName())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out.String())
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, "refused: ") {
			t.Log(strings.TrimSpace(l))
		}
	}
}

// TestNoAccessChild is TestKernelNoAccess's process that may not open the
// chip.
func TestNoAccessChild(t *testing.T) {
	chip := os.Getenv("FIVECHOICE_GPIO_NOACCESS")
	if chip == "" {
		t.Skip("run by TestKernelNoAccess")
	}
	w := testWiring()
	w.Chip, w.ChipLabel = chip, "fivechoice-test"
	byLabel := testWiring()
	byLabel.Chip, byLabel.ChipLabel = "fivechoice-test", ""
	for _, w := range []Wiring{w, byLabel} {
		err := Check([]Wiring{w})
		if !errors.Is(err, ErrNoAccess) || !strings.Contains(err.Error(), UdevRule) || !strings.Contains(err.Error(), "uid 65534") {
			t.Errorf("chip %s as nobody: %v, want ErrNoAccess saying what to do", w.Chip, err)
		}
		t.Logf("chip %s refused: %v", w.Chip, err)
	}
}

// TestKernelOutputsOff switches a chamber's outputs off: refused while the
// chamber holds them, done once it has let them go.
func TestKernelOutputsOff(t *testing.T) {
	chip := newSimChip(t, 16)
	w := simWiring(chip)
	c := openSim(t, w)
	if _, err := OutputsOff(w); !errors.Is(err, ErrLineBusy) {
		t.Errorf("outputs held by a chamber: %v, want ErrLineBusy", err)
	}
	c.Close()
	off, err := OutputsOff(w)
	if err != nil || off != (Off{Chip: chip.ChipName(), Label: "fivechoice-test", Outputs: 8}) {
		t.Errorf("got %+v, %v", off, err)
	}
}
