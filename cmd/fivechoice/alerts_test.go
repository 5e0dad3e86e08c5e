package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fivechoice/fivechoice/internal/testenv"
)

// The shipped alert rules and their promtool unit tests.
const (
	alertsFile     = "../../deploy/prometheus/fivechoice-alerts.yml"
	alertsTestFile = "../../deploy/prometheus/fivechoice-alerts_test.yml"
)

// TestAlertRules checks the shipped rules and scrape configuration with
// promtool, as the docs tell a lab to, and runs the rules' unit tests
// (every alert firing when it should and quiet just before, with the
// shipped thresholds and durations).
func TestAlertRules(t *testing.T) {
	promtool := testenv.Command(t, "promtool", "prometheus")
	for _, args := range [][]string{
		{"check", "rules", alertsFile},
		{"check", "config", prometheusFile},
		{"test", "rules", alertsTestFile},
	} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestAlertsOnPrometheus runs the real Prometheus with the shipped rules
// (their "for" shortened to 1 s and the silence threshold to 3 s) against
// the real daemon running three chambers: a simulated one whose virtual
// rat works, a serial chamber whose emulated board has no rat (silent), and
// a serial chamber whose board emulator is killed mid-session (faulted).
// The faulted, silent and hardware-error alerts must fire for the right
// chamber and no other, the storage alerts must stay quiet, the timing
// rule must evaluate on the daemon's own histogram (its threshold lowered
// so that it fires), and no rule may fail to evaluate. Every metric the
// dashboard and the rules name must be on the daemon's /metrics.
func TestAlertsOnPrometheus(t *testing.T) {
	promBin := testenv.Command(t, "prometheus", "prometheus")
	dir := t.TempDir()
	quiet := startBoardEmulator(t, filepath.Join(dir, "quiet.pty"))
	broken := startBoardEmulator(t, filepath.Join(dir, "broken.pty"))
	cfg := filepath.Join(dir, "fivechoice.yaml")
	writeFile(t, cfg, "database: fivechoice.db\nlisten: 127.0.0.1:0\ntoken: "+e2eToken+"\n"+
		"log: {level: info, format: json}\ncommit_interval: 50ms\nchambers:\n"+
		"  - {name: box1, backend: sim, sim: {speed: 50}}\n"+
		"  - {name: quiet, backend: serial, serial: {port: "+quiet.link+"}}\n"+
		"  - {name: broken, backend: serial, serial: {port: "+broken.link+"}}\n")
	d := startDaemon(t, dir, "--config", cfg)
	d.startLong("box1", "quiet", "broken")

	rules := filepath.Join(dir, "rules.yml")
	writeFile(t, rules, testRules(t, map[string][2]string{
		"FivechoiceRatNotResponding": {"> 300", "> 3"},
		"FivechoiceTimingLate":       {"> 0.001", "> -1"},
	}))
	prom := startPrometheus(t, promBin, strings.TrimPrefix(d.url, "http://"), rules)
	// The board dies once Prometheus has seen its session run, so that
	// the hardware error counter rises under its eyes.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if n, _ := prom.query(`fivechoice_sessions_running{chamber="broken"} == 1`); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus did not see the session on broken run\n%s", d.logs())
		}
	}
	broken.kill()

	want := map[string][]string{ // alert: the chambers it must fire for
		"FivechoiceChamberFaulted":   {"broken"},
		"FivechoiceRatNotResponding": {"quiet"},
		"FivechoiceHardwareErrors":   {"broken"},
		"FivechoiceTimingLate":       {""},
	}
	var firing map[string][]string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Second) {
		firing = prom.firing(t)
		if allFiring(firing, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alerts firing after 60 s: %v, want at least %v\n%s", firing, want, d.logs())
		}
	}
	for name, chambers := range firing {
		if w, ok := want[name]; !ok || !slices.Equal(chambers, w) {
			t.Errorf("alert %s firing for %q, want %q", name, chambers, w)
		}
	}
	prom.rulesHealthy(t)
	checkMetricsExported(t, d)
	if code := d.signal(syscall.SIGTERM); code != 0 {
		t.Errorf("daemon exit %d", code)
	}
}

// allFiring reports whether every alert in want fires for at least its
// chambers.
func allFiring(firing, want map[string][]string) bool {
	for name, chambers := range want {
		for _, c := range chambers {
			if !slices.Contains(firing[name], c) {
				return false
			}
		}
	}
	return true
}

// testRules returns the shipped rules with every "for" shortened to 1 s and
// the given alerts' expressions changed (old must be in the expression, so
// that a changed rule breaks the test rather than silently testing
// something else).
func testRules(t *testing.T, change map[string][2]string) string {
	t.Helper()
	raw, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Name  string           `yaml:"name"`
			Rules []map[string]any `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if _, ok := r["for"]; ok {
				r["for"] = "1s"
			}
			name, _ := r["alert"].(string)
			if c, ok := change[name]; ok {
				expr := r["expr"].(string)
				if !strings.Contains(expr, c[0]) {
					t.Fatalf("rule %s: %q not in its expression %q", name, c[0], expr)
				}
				r["expr"] = strings.Replace(expr, c[0], c[1], 1)
				delete(change, name)
			}
		}
	}
	if len(change) > 0 {
		t.Fatalf("no such rules: %v", change)
	}
	out, err := yaml.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// firing returns the alerts firing now, each with the chambers it fires
// for (sorted; "" for an alert about the whole daemon).
func (p *promServer) firing(t *testing.T) map[string][]string {
	t.Helper()
	var r struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string
				State  string
			}
		}
	}
	p.getJSON(t, "/api/v1/alerts", &r)
	out := map[string][]string{}
	for _, a := range r.Data.Alerts {
		if a.State == "firing" {
			out[a.Labels["alertname"]] = append(out[a.Labels["alertname"]], a.Labels["chamber"])
		}
	}
	for _, c := range out {
		slices.Sort(c)
	}
	return out
}

// rulesHealthy fails the test for any rule whose last evaluation failed.
func (p *promServer) rulesHealthy(t *testing.T) {
	t.Helper()
	var r struct {
		Data struct {
			Groups []struct {
				Rules []struct{ Name, Health, LastError string }
			}
		}
	}
	p.getJSON(t, "/api/v1/rules", &r)
	n := 0
	for _, g := range r.Data.Groups {
		for _, rule := range g.Rules {
			n++
			if rule.Health != "ok" {
				t.Errorf("rule %s: health %q: %s", rule.Name, rule.Health, rule.LastError)
			}
		}
	}
	if n < 6 {
		t.Errorf("Prometheus loaded %d rules, want the 6 shipped", n)
	}
}

func (p *promServer) getJSON(t *testing.T, path string, out any) {
	t.Helper()
	resp, err := http.Get(p.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, body)
	}
}

// checkMetricsExported scrapes the daemon and checks that every metric
// named by a dashboard panel or an alert rule is there.
func checkMetricsExported(t *testing.T, d *daemonProc) {
	t.Helper()
	resp, err := http.Get(d.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	exported := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			exported[strings.FieldsFunc(line, func(r rune) bool { return r == '{' || r == ' ' })[0]] = true
		}
	}
	var exprs []string
	for _, q := range dashboardQueries(t) {
		exprs = append(exprs, q.expr)
	}
	raw, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if e, ok := strings.CutPrefix(strings.TrimSpace(line), "expr:"); ok {
			exprs = append(exprs, e)
		}
	}
	checked := 0
	for _, e := range exprs {
		for _, name := range metricName.FindAllString(e, -1) {
			checked++
			switch {
			case exported[name]:
			default:
				t.Errorf("%s names %s, which the daemon does not export", e, name)
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d metric names found in the dashboard and rules", checked)
	}
}

// boardEmulator is `fivechoice board-emulator` running on a pty reached
// through a symbolic link.
type boardEmulator struct {
	cmd  *exec.Cmd
	link string
}

func startBoardEmulator(t *testing.T, link string) *boardEmulator {
	t.Helper()
	cmd := exec.Command(fivechoiceBin, "board-emulator", "-link", link)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &boardEmulator{cmd: cmd, link: link}
	t.Cleanup(b.kill)
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil { // it prints the pty once ready
		t.Fatalf("board emulator: %v", err)
	}
	return b
}

// kill ends the emulator as a pulled cable would.
func (b *boardEmulator) kill() {
	if b.cmd.ProcessState == nil {
		b.cmd.Process.Kill()
		b.cmd.Wait()
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
