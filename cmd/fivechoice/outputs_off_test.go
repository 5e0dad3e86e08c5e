package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputsOffCommand runs outputs-off where no chamber can be reached:
// it needs no API token (systemd runs it after the daemon, whose token
// credential may be gone), says which chambers may still have outputs on
// and fails; with only simulated chambers it has nothing to do.
func TestOutputsOffCommand(t *testing.T) {
	dir := t.TempDir()
	if _, _, code := fivechoice(t, dir, "outputs-off"); code != 2 {
		t.Errorf("without --config: exit %d, want 2", code)
	}
	cfg := filepath.Join(dir, "fivechoice.yaml")
	doc := "token_file: /nonexistent/token\nchambers:\n" +
		"  - {name: sim1, backend: sim}\n" +
		"  - {name: box2, backend: serial, serial: {port: " + filepath.Join(dir, "ttyUSB9") + "}}\n" +
		"  - name: box3\n    backend: gpio\n    gpio:\n      chip: pinctrl-fivechoice-none\n" +
		"      holes: [GPIO0, GPIO1, GPIO2]\n      magazine_beam: GPIO3\n      stimulus_lights: [GPIO4, GPIO5, GPIO6]\n" +
		"      house_light: GPIO7\n      magazine_light: GPIO8\n      pellet: GPIO9\n      pellet_pulse: 50ms\n"
	if err := os.WriteFile(cfg, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := fivechoice(t, dir, "outputs-off", "--config", cfg)
	for _, want := range []string{
		"box2 (serial): NOT ALL OFF: the board on " + filepath.Join(dir, "ttyUSB9") + " did not answer, so it was not told to switch its outputs off",
		`box3 (gpio): NOT ALL OFF: chip: gpio: no such chip: no chip is labelled "pinctrl-fivechoice-none"`,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if code != 1 || !strings.Contains(stderr, "2 of 2 chambers may still have outputs on") || strings.Contains(stdout, "sim1") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	if err := os.WriteFile(cfg, []byte("token_file: /nonexistent/token\nchambers:\n  - {name: sim1, backend: sim}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := fivechoice(t, dir, "outputs-off", "--config", cfg); code != 0 || !strings.Contains(stdout, "nothing to switch off") {
		t.Errorf("simulated chambers only: exit %d\n%s%s", code, stdout, stderr)
	}
}
