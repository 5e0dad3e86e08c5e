package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/rat"
)

const testToken = "0123456789abcdef0123"

// parse parses a document written as a file in a fresh directory, with a
// token file beside it.
func parse(t *testing.T, doc string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "fivechoice.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(path)
}

func TestExampleParses(t *testing.T) {
	doc := strings.ReplaceAll(string(Example()), "${CREDENTIALS_DIRECTORY}/token", "token")
	c, err := parse(t, doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Chambers) != 2 || c.Chambers[0].Backend != hardware.BackendGPIO || c.Chambers[1].Backend != hardware.BackendSim {
		t.Fatalf("chambers %+v", c.Chambers)
	}
	w := c.Chambers[0].GPIOWiring()
	if len(w.Holes) != 5 || w.PelletPulse != 50*time.Millisecond || !w.Holes[0].ActiveLow {
		t.Errorf("gpio wiring %+v", w)
	}
	if c.Token != testToken || c.CommitInterval != 100*time.Millisecond || c.Listen != DefaultListen {
		t.Errorf("config %+v", c)
	}
}

func TestTokenFileFromCredentialsDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(testToken), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDENTIALS_DIRECTORY", dir)
	c, err := Parse("x.yaml", []byte("token_file: ${CREDENTIALS_DIRECTORY}/token\nchambers: [{name: a, backend: sim}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Token != testToken || !strings.Contains(c.TokenSource, dir) {
		t.Errorf("token %q from %q", c.Token, c.TokenSource)
	}
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, "token_file: token\nchambers:\n  - name: a\n    backend: sim\n")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(c.Database) || filepath.Base(c.Database) != DefaultDatabase {
		t.Errorf("database %q: want the default beside the file", c.Database)
	}
	if c.Chambers[0].Sim == nil || c.Chambers[0].Sim.Speed != 1 || c.Log.Level != "info" || c.Log.Format != "text" {
		t.Errorf("defaults not applied: %+v", c)
	}
	if c.RealtimePriority != DefaultRealtimePriority || Default().RealtimePriority != DefaultRealtimePriority {
		t.Errorf("realtime_priority %d, built-in %d: want %d", c.RealtimePriority, Default().RealtimePriority, DefaultRealtimePriority)
	}
	// 0 is a choice (never ask for real-time priority), not a missing key.
	if c, err := parse(t, "token_file: token\nrealtime_priority: 0\nchambers: [{name: a, backend: sim}]\n"); err != nil || c.RealtimePriority != 0 {
		t.Errorf("realtime_priority: 0 gave %v, %v", c, err)
	}
	if p := c.Chambers[0].Sim.Rat.Params(); p != rat.Default() {
		t.Errorf("default rat %+v", p)
	}
	d := Default()
	if len(d.Chambers) != DefaultSimChambers || d.Chambers[3].Name != "box4" || d.Listen != "127.0.0.1:8750" {
		t.Errorf("built-in default %+v", d)
	}
	if err := d.SetSimSpeed(50); err != nil || d.Chambers[0].Sim.Speed != 50 {
		t.Errorf("SetSimSpeed: %v", err)
	}
	if err := d.SetSimSpeed(0.5); err == nil {
		t.Error("SetSimSpeed(0.5) accepted")
	}
}

// TestRefused checks that each kind of mistake is refused with the file,
// the line and the key named.
func TestRefused(t *testing.T) {
	const head = "token_file: token\n"
	for _, tc := range []struct {
		name, doc string
		want      []string // each must appear in the message
	}{
		{"unknown top-level key", head + "colour: blue\nchambers: [{name: a, backend: sim}]\n",
			[]string{"fivechoice.yaml:2: colour: unknown key (known here: database, listen"}},
		{"unknown chamber key", head + "chambers:\n  - name: a\n    backend: sim\n    wiring: x\n",
			[]string{"fivechoice.yaml:5: chambers[0].wiring: unknown key (known here: name, backend, sim, serial, gpio, input_latency, disabled, barcode)"}},
		{"unknown sim key", head + "chambers:\n  - name: a\n    backend: sim\n    sim:\n      sped: 3\n",
			[]string{":6: chambers[0].sim.sped: unknown key"}},
		{"unknown rat trait", head + "chambers:\n  - name: a\n    backend: sim\n    sim: {rat: {boldness: 1}}\n",
			[]string{":5: chambers[0].sim.rat.boldness: unknown key"}},
		{"duplicate chamber names", head + "chambers:\n  - name: box1\n    backend: sim\n  - name: box1\n    backend: sim\n",
			[]string{`:5: chambers[1].name: "box1" is also the name of chambers[0] (line 3)`}},
		{"same serial port", head + "chambers:\n  - name: a\n    backend: serial\n    serial: {port: /dev/ttyUSB0}\n  - name: b\n    backend: serial\n    serial:\n      port: /dev/ttyUSB0\n",
			[]string{":9: chambers[1].serial.port: /dev/ttyUSB0 is also chambers[0].serial's port (line 5)"}},
		{"same gpio line", head + "chambers:\n" + gpioChamber("a", "gpiochip0", 0) + gpioChamber("b", "/dev/gpiochip0", 13),
			[]string{"chambers[1].gpio.holes[0]: gpiochip0 line 13 is also chambers[0].gpio.pellet"}},
		{"gpio line twice in one chamber", head + "chambers:\n" + strings.Replace(gpioChamber("a", "gpiochip0", 0), "house_light: 11", "house_light: 10", 1),
			[]string{"chambers[0].gpio.house_light.offset: line 10 is also stimulus_lights[4]"}},
		{"gpio key missing", head + "chambers:\n" + strings.Replace(gpioChamber("a", "gpiochip0", 0), "      pellet: 13\n", "", 1),
			[]string{":5: chambers[0].gpio.pellet: missing"}},
		{"gpio unknown key", head + "chambers:\n" + strings.Replace(gpioChamber("a", "gpiochip0", 0), "      pellet: 13\n", "      pellet: 13\n      buzzer: 14\n", 1),
			[]string{":14: chambers[0].gpio: unknown key \"buzzer\""}},
		{"gpio bad debounce", head + "chambers:\n" + strings.Replace(gpioChamber("a", "gpiochip0", 0), "debounce: 0s", "debounce: 1 ms", 1),
			[]string{":14: chambers[0].gpio.debounce: want a duration such as 100ms, 5s or 2m, got 1 ms"}},
		{"duration without unit", head + "commit_interval: 100\nchambers: [{name: a, backend: sim}]\n",
			[]string{":2: commit_interval: want a duration such as 100ms, 5s or 2m, got 100"}},
		{"duration misspelt", head + "commit_interval: 5 parsecs\nchambers: [{name: a, backend: sim}]\n",
			[]string{`:2: commit_interval: want a duration such as 100ms, 5s or 2m, got "5 parsecs"`}},
		{"duration zero", head + "commit_interval: 0s\nchambers: [{name: a, backend: sim}]\n",
			[]string{":2: commit_interval: want 1ms to 10s, got 0s"}},
		{"input latency too long", head + "chambers:\n  - name: a\n    backend: serial\n    input_latency: 1s\n    serial: {port: /dev/ttyUSB0}\n",
			[]string{":5: chambers[0].input_latency: want 0 to 100ms, got 1s"}},
		{"realtime priority out of range", head + "realtime_priority: 100\nchambers: [{name: a, backend: sim}]\n",
			[]string{":2: realtime_priority: want 0 (normal priority) or a SCHED_FIFO priority 1 to 99, got 100"}},
		{"no-response warning too short", head + "no_response_warning: 100ms\nchambers: [{name: a, backend: sim}]\n",
			[]string{":2: no_response_warning: want 1s to 1h, got 100ms"}},
		{"realtime priority negative", head + "realtime_priority: -1\nchambers: [{name: a, backend: sim}]\n",
			[]string{":2: realtime_priority: want 0"}},
		{"number that is text", head + "chambers:\n  - name: a\n    backend: serial\n    serial: {port: /dev/ttyS0, baud: fast}\n",
			[]string{`:5: chambers[0].serial.baud: want a whole number, got "fast"`}},
		{"token missing", "chambers: [{name: a, backend: sim}]\n",
			[]string{"fivechoice.yaml: token: missing"}},
		{"token twice", head + "token: " + testToken + "\nchambers: [{name: a, backend: sim}]\n",
			[]string{":1: token_file: give token or token_file, not both"}},
		{"token short", "token: abc\nchambers: [{name: a, backend: sim}]\n",
			[]string{":1: token: too short"}},
		{"token file missing", "token_file: nosuchfile\nchambers: [{name: a, backend: sim}]\n",
			[]string{":1: token_file: read token:", "no such file"}},
		{"no chambers", head + "listen: 127.0.0.1:8750\n",
			[]string{"fivechoice.yaml: chambers: missing"}},
		{"backend missing", head + "chambers:\n  - name: a\n",
			[]string{":3: chambers[0].backend: missing"}},
		{"backend unknown", head + "chambers:\n  - name: a\n    backend: usb\n",
			[]string{`:4: chambers[0].backend: want sim, gpio or serial, got "usb"`}},
		{"backend section missing", head + "chambers:\n  - name: a\n    backend: serial\n",
			[]string{":3: chambers[0].serial: missing"}},
		{"section of another backend", head + "chambers:\n  - name: a\n    backend: sim\n    serial: {port: /dev/ttyS0}\n",
			[]string{`:5: chambers[0].serial: given, but the chamber's backend is "sim"`}},
		{"bad name", head + "chambers:\n  - name: box 1\n    backend: sim\n",
			[]string{`:3: chambers[0].name: "box 1": use letters`}},
		{"bad listen", head + "listen: 8750\nchambers: [{name: a, backend: sim}]\n",
			[]string{":2: listen: want host:port"}},
		{"bad speed", head + "chambers:\n  - name: a\n    backend: sim\n    sim: {speed: 0.5}\n",
			[]string{":5: chambers[0].sim.speed: want 1 (real time) to 10000, got 0.5"}},
		{"bad rat", head + "chambers:\n  - name: a\n    backend: sim\n    sim: {rat: {attention: 1.5}}\n",
			[]string{":5: chambers[0].sim.rat.attention: a probability"}},
		{"NaN speed", head + "chambers:\n  - name: a\n    backend: sim\n    sim: {speed: .nan}\n",
			[]string{":5: chambers[0].sim.speed: want 1 (real time) to 10000, got NaN"}},
		{"NaN rat speed", head + "chambers:\n  - name: a\n    backend: sim\n    sim: {rat: {speed: .nan}}\n",
			[]string{":5: chambers[0].sim.rat.speed: a latency scale"}},
		{"NaN rat probability", head + "chambers:\n  - name: a\n    backend: sim\n    sim: {rat: {motivation: .NaN, impulsivity: .inf}}\n",
			[]string{":5: chambers[0].sim.rat.motivation: a probability", ":5: chambers[0].sim.rat.impulsivity: a hazard"}},
		{"bad log level", head + "log: {level: loud}\nchambers: [{name: a, backend: sim}]\n",
			[]string{`:2: log.level: want debug, info, warn or error, got "loud"`}},
		{"key twice", head + "listen: a:1\nlisten: b:2\nchambers: [{name: a, backend: sim}]\n",
			[]string{":3: listen: given twice (first at line 2)"}},
		{"syntax", head + "chambers:\n  - name: a\n   backend: sim\n",
			[]string{"fivechoice.yaml:2: YAML syntax:"}},
		{"empty", "", []string{"fivechoice.yaml: empty"}},
		{"not a mapping", "- a\n- b\n", []string{"fivechoice.yaml:1: want a mapping"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.doc)
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.doc)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n  %v\nwant it to contain\n  %s", err, w)
				}
			}
		})
	}
}

// TestEveryProblemReported checks that several problems come out together,
// each on its own line of the message.
func TestEveryProblemReported(t *testing.T) {
	_, err := parse(t, "token_file: token\nchambers:\n  - name: a\n    backend: sim\n  - name: a\n    backend: usb\n")
	if err == nil {
		t.Fatal("accepted")
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 2 {
		t.Errorf("want 2 problems, got %d:\n%v", len(lines), err)
	}
}

func gpioChamber(name, chip string, base int) string {
	lines := func(from, n int) string {
		var s []string
		for i := range n {
			s = append(s, strconv.Itoa(from+i))
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	return "  - name: " + name + "\n    backend: gpio\n    gpio:\n" +
		"      chip: " + chip + "\n" +
		"      chip_label: test-chip\n" +
		"      holes: " + lines(base, 5) + "\n" +
		"      magazine_beam: " + strconv.Itoa(base+5) + "\n" +
		"      stimulus_lights: " + lines(base+6, 5) + "\n" +
		"      house_light: " + strconv.Itoa(base+11) + "\n" +
		"      magazine_light: " + strconv.Itoa(base+12) + "\n" +
		"      pellet: " + strconv.Itoa(base+13) + "\n" +
		"      debounce: 0s\n" +
		"      pellet_pulse: 50ms\n"
}
