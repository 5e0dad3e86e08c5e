package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMissingChambersAtStart: a daemon whose configuration names a serial
// port and a GPIO chip that do not exist starts anyway, with those chambers
// faulted (API, metrics) and the others running; a disabled chamber is
// listed and refuses sessions; once the board appears, its chamber is
// ready without a restart (issue 12: one unplugged USB board took down
// sixteen boxes).
func TestMissingChambersAtStart(t *testing.T) {
	dir := t.TempDir()
	port := filepath.Join(dir, "ttyUSB7")
	cfg := filepath.Join(dir, "fivechoice.yaml")
	writeFile(t, cfg, "database: fivechoice.db\nlisten: 127.0.0.1:0\ntoken: "+e2eToken+"\n"+
		"log: {level: info, format: json}\nchambers:\n"+
		"  - {name: box1, backend: sim, sim: {speed: 50}}\n"+
		"  - {name: box2, backend: sim, sim: {speed: 50}}\n"+
		"  - {name: usb, backend: serial, serial: {port: "+port+"}}\n"+
		"  - {name: spare, backend: serial, disabled: true, serial: {port: "+filepath.Join(dir, "ttyUSB8")+"}}\n"+
		"  - name: pi\n    backend: gpio\n    gpio:\n      chip: pinctrl-fivechoice-none\n"+
		"      holes: [GPIO0, GPIO1, GPIO2, GPIO3, GPIO4]\n      magazine_beam: GPIO5\n      stimulus_lights: [GPIO6, GPIO7, GPIO8, GPIO9, GPIO10]\n"+
		"      house_light: GPIO11\n      magazine_light: GPIO12\n      pellet: GPIO13\n      pellet_pulse: 50ms\n")
	d := startDaemon(t, dir, "--config", cfg)

	var c struct{ State, Fault string }
	for name, want := range map[string]string{"box1": "idle", "usb": "faulted", "pi": "faulted", "spare": "disabled"} {
		d.get("/api/v1/chambers/"+name, &c)
		if c.State != want {
			t.Errorf("%s: state %q, want %q", name, c.State, want)
		}
		if want == "faulted" && c.Fault == "" {
			t.Errorf("%s: faulted without saying why", name)
		}
	}
	d.startLong("box1", "box2")
	for _, name := range []string{"usb", "pi", "spare"} {
		var e struct{ Error string }
		if code := d.post("/api/v1/subjects", `{"id": "R-`+name+`"}`, nil); code != http.StatusCreated {
			t.Fatalf("add subject: %d", code)
		}
		code := d.post("/api/v1/chambers/"+name+"/sessions", `{"subject": "R-`+name+`", "protocol": "baseline", "condition": "vehicle"}`, &e)
		if code != http.StatusConflict || !strings.Contains(e.Error, name) {
			t.Errorf("start on %s: %d %q, want 409 naming the chamber", name, code, e.Error)
		}
	}
	metrics := scrape(t, d.url)
	for _, want := range []string{`fivechoice_chamber_faulted{chamber="usb"} 1`, `fivechoice_chamber_faulted{chamber="pi"} 1`, `fivechoice_chamber_faulted{chamber="box1"} 0`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// The board is plugged in: the chamber is ready within a few checks.
	startBoardEmulator(t, port)
	deadline := time.Now().Add(30 * time.Second)
	for d.get("/api/v1/chambers/usb", &c); c.State != "idle"; d.get("/api/v1/chambers/usb", &c) {
		if time.Now().After(deadline) {
			t.Fatalf("usb still %s (%s) after its board appeared", c.State, c.Fault)
		}
		time.Sleep(200 * time.Millisecond)
	}
	d.startLong("usb")
	if s := d.chamber("box1"); s.State != "running" {
		t.Errorf("box1 %s after all this", s.State)
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
