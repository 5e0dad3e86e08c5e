package main

// The crash proof for outputs, run inside the GPIO test VM
// (scripts/gpio-vm-test.sh) against the real kernel with gpio-sim.
//
// gpio-sim puts a line back to its pull when the process holding it lets
// go, so on it a line never "stays on" after a crash. Many real chips keep
// the level instead (the Raspberry Pi's do). What such a chip would hold
// is the last level the kernel drove onto the line, and the kernel's gpio
// trace events record every one of them (gpio_value: <gpio> set <level>,
// the electrical level). The test reads its verdicts from that record.

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/warthog618/go-gpiosim"
)

const (
	gpioTracing  = "/sys/kernel/tracing"
	calibLine    = 15 // hogged high by the kernel: finds the chip's base in the trace
	pelletLine   = 13
	houseLine    = 11 // active low
	firstOutLine = 6  // stimulus lights 6..10, house light 11, magazine light 12, pellet 13
)

// needKernelGPIO skips where there is no gpio-sim or tracefs, and fails
// inside the test VM, where both must be.
func needKernelGPIO(t *testing.T) {
	t.Helper()
	for _, p := range []string{"/sys/kernel/config/gpio-sim", gpioTracing + "/events/gpio/gpio_value"} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("FIVECHOICE_GPIO_VM") != "" {
				t.Fatalf("in the test VM but %s is missing: %v", p, err)
			}
			t.Skipf("%s is not available here: run scripts/gpio-vm-test.sh (%v)", p, err)
		}
	}
}

// gpioTrace is the kernel's record of every level driven on a GPIO line.
type gpioTrace struct{ t *testing.T }

func startGPIOTrace(t *testing.T) gpioTrace {
	t.Helper()
	write := func(file, v string) {
		if err := os.WriteFile(filepath.Join(gpioTracing, file), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("buffer_size_kb", "4096")
	write("events/gpio/gpio_value/enable", "1")
	write("trace", "") // empties it
	t.Cleanup(func() { write("events/gpio/gpio_value/enable", "0") })
	return gpioTrace{t}
}

var reGPIOSet = regexp.MustCompile(`gpio_value: (\d+) set (\d)`)

// held is the last level driven on each line of the chip whose line
// calibLine the kernel hogged high: what a chip that keeps levels holds.
func (g gpioTrace) held() map[int]int {
	g.t.Helper()
	b, err := os.ReadFile(filepath.Join(gpioTracing, "trace"))
	if err != nil {
		g.t.Fatal(err)
	}
	sets := reGPIOSet.FindAllStringSubmatch(string(b), -1)
	if len(sets) == 0 {
		g.t.Fatal("no gpio_value events traced")
	}
	base, _ := strconv.Atoi(sets[0][1]) // the hog comes first
	base -= calibLine
	levels := map[int]int{}
	for _, s := range sets {
		n, _ := strconv.Atoi(s[1])
		if off := n - base; off >= 0 && off < 16 {
			levels[off] = int(s[2][0] - '0')
		}
	}
	return levels
}

// onLines lists the outputs a held level leaves on.
func onLines(levels map[int]int) []string {
	var on []string
	for off := firstOutLine; off <= pelletLine; off++ {
		lv, driven := levels[off]
		if driven && (lv == 1) != (off == houseLine) {
			on = append(on, "GPIO"+strconv.Itoa(off))
		}
	}
	return on
}

// TestKernelOutputsOffAfterKill is the proof asked for by issue 17: a
// session runs on a GPIO chamber; the daemon is killed with SIGKILL while
// the pellet dispenser's line is high; the line would stay high; the
// systemd stop command (outputs-off) switches every output off. Then the
// same crash again, and a daemon started afterwards switches every output
// off before anything else.
func TestKernelOutputsOffAfterKill(t *testing.T) {
	needKernelGPIO(t)
	trace := startGPIOTrace(t)
	var opts []gpiosim.NewBankOption
	for i := range calibLine {
		opts = append(opts, gpiosim.WithNamedLine(i, "GPIO"+strconv.Itoa(i)))
	}
	opts = append(opts, gpiosim.WithHoggedLine(calibLine, "calibration", gpiosim.HogDirectionOutputHigh))
	s, err := gpiosim.NewSim(gpiosim.WithBank(gpiosim.NewBank("fivechoice-box", 16, opts...)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	chip := &s.Chips[0]
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fivechoice.yaml")
	doc := "database: fivechoice.db\nlisten: 127.0.0.1:0\ntoken: " + e2eToken + "\nrealtime_priority: 0\n" +
		"log: {level: info, format: json}\nchambers:\n  - name: box1\n    backend: gpio\n    gpio:\n" +
		"      chip: fivechoice-box\n" +
		"      holes: [{name: GPIO0, active_low: true, bias: pull_up}, {name: GPIO1, active_low: true, bias: pull_up}, " +
		"{name: GPIO2, active_low: true, bias: pull_up}, {name: GPIO3, active_low: true, bias: pull_up}, {name: GPIO4, active_low: true, bias: pull_up}]\n" +
		"      magazine_beam: {name: GPIO5, bias: pull_down}\n" +
		"      stimulus_lights: [GPIO6, GPIO7, GPIO8, GPIO9, GPIO10]\n" +
		"      house_light: {name: GPIO11, active_low: true}\n      magazine_light: GPIO12\n      pellet: GPIO13\n" +
		"      pellet_pulse: 1s\n"
	if err := os.WriteFile(cfg, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}

	// 1. kill -9 with the pellet on; outputs-off.
	crash(t, chip, dir, cfg)
	on := onLines(trace.held())
	if !slices.Contains(on, "GPIO13") {
		t.Fatalf("after kill -9 the held levels leave %v on; want the pellet GPIO13 among them", on)
	}
	t.Logf("after kill -9, a chip that keeps levels would hold on: %v", on)
	cmd := exec.Command(fivechoiceBin, "outputs-off", "--config", cfg)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "box1 (gpio): 8 outputs off on "+chip.ChipName()+" (fivechoice-box)") {
		t.Fatalf("outputs-off: %v\n%s", err, out)
	}
	t.Logf("outputs-off: %s", strings.TrimSpace(string(out)))
	// (The sim's own reading says nothing here: released, its lines
	// read their pull.)
	if on := onLines(trace.held()); len(on) > 0 {
		t.Errorf("after outputs-off, still held on: %v", on)
	}

	// 2. The same crash; then the daemon's own start-up switches every
	// output off.
	crash(t, chip, dir, cfg)
	if on := onLines(trace.held()); len(on) == 0 {
		t.Fatal("second kill -9: nothing held on")
	}
	d := startDaemonCmd(t, exec.Command(fivechoiceBin, "serve", "--config", cfg))
	if on := onLines(trace.held()); len(on) > 0 {
		t.Errorf("a daemon started after the crash left %v on", on)
	}
	if code := d.signal(syscall.SIGTERM); code != 0 {
		t.Errorf("SIGTERM: exit %d\n%s", code, d.logs())
	}
}

// crash starts the daemon, starts a session on box1 and kills the daemon
// with SIGKILL while the pellet line is high (the free pellet at the start
// of a session, a 1 s pulse): it is stopped first, checked, then killed.
func crash(t *testing.T, chip *gpiosim.Chip, dir, cfg string) {
	t.Helper()
	cmd := exec.Command(fivechoiceBin, "serve", "--config", cfg)
	cmd.Dir = dir
	d := startDaemonCmd(t, cmd)
	if code := d.post("/api/v1/subjects", `{"id": "R01"}`, nil); code != http.StatusCreated && code != http.StatusConflict {
		t.Fatalf("add subject: %d", code)
	}
	body := `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"free_pellet_at_start": true, "max_duration": "10m"}}`
	if code := d.post("/api/v1/chambers/box1/sessions", body, nil); code != http.StatusCreated {
		t.Fatalf("start a session: %d\n%s", code, d.logs())
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if lv, err := chip.Level(pelletLine); err == nil && lv == gpiosim.LevelActive {
			if err := d.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			if lv, _ := chip.Level(pelletLine); lv == gpiosim.LevelActive {
				break
			}
			t.Fatal("the pellet line went low just as the daemon was stopped")
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pellet line never went high\n%s", d.logs())
		}
		time.Sleep(time.Millisecond)
	}
	if code := d.signal(syscall.SIGKILL); code != -int(syscall.SIGKILL) {
		t.Fatalf("kill -9: exit %d", code)
	}
	t.Log("killed the daemon with SIGKILL, the pellet line high")
}
