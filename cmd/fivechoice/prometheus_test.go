package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The deployment files the test checks, relative to this package.
const (
	dashboardFile  = "../../deploy/grafana/fivechoice.json"
	prometheusFile = "../../deploy/prometheus/prometheus.yml"
)

// TestDashboardOnPrometheus runs the daemon with simulated chambers at high
// speed, lets the real Prometheus scrape it with the shipped scrape
// configuration (at a 1 s interval), and evaluates every PromQL expression
// of the shipped Grafana dashboard through Prometheus's HTTP API: each must
// parse and return data.
func TestDashboardOnPrometheus(t *testing.T) {
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not found (Debian package prometheus; .ci/run installs it): cannot check the dashboard's queries")
	}
	exprs := dashboardQueries(t)
	if len(exprs) < 10 {
		t.Fatalf("only %d queries in %s", len(exprs), dashboardFile)
	}
	deadline := time.Now().Add(50 * time.Second)

	dir := t.TempDir()
	d := startDaemon(t, dir, "--config", e2eConfig(t, dir, 4, 200))
	d.startLong("box1", "box2", "box3", "box4")
	prom := startPrometheus(t, promBin, strings.TrimPrefix(d.url, "http://"))

	// Every query must return data; rates need a few scrapes, so ask again
	// until all do or time is up.
	var failures []string
	for round := 0; ; round++ {
		failures = failures[:0]
		for _, e := range exprs {
			if msg := prom.query(e); msg != "" {
				failures = append(failures, fmt.Sprintf("%s\n      %s", e, msg))
			}
		}
		if len(failures) == 0 {
			t.Logf("all %d dashboard queries returned data after %d rounds", len(exprs), round+1)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d dashboard queries failed:\n  %s", len(failures), len(exprs), strings.Join(failures, "\n  "))
		}
		time.Sleep(time.Second)
	}
	if code := d.signal(syscall.SIGTERM); code != 0 {
		t.Errorf("daemon exit %d", code)
	}
}

// dashboardQueries returns every PromQL expression of the dashboard, with
// Grafana's variables replaced as Grafana would: every chamber selected,
// $__rate_interval a few scrape intervals. The chamber variable's own query
// (label_values) becomes the PromQL it stands for.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var exprs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || k == "definition") {
					exprs = append(exprs, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(dash)
	sort.Strings(exprs)
	labelValues := regexp.MustCompile(`^label_values\(\s*([^,]+?)\s*,\s*(\w+)\s*\)$`)
	subst := strings.NewReplacer(`"$chamber"`, `".*"`, `"${chamber}"`, `".*"`, "$__rate_interval", "5s", "$__interval", "5s", "$__range", "1m")
	var out []string
	for _, e := range exprs {
		if m := labelValues.FindStringSubmatch(e); m != nil {
			e = fmt.Sprintf("count by (%s) (%s)", m[2], m[1])
		}
		e = subst.Replace(e)
		if strings.Contains(e, "$") {
			t.Errorf("query with a variable the test does not know: %s", e)
			continue
		}
		if len(out) == 0 || out[len(out)-1] != e {
			out = append(out, e)
		}
	}
	return out
}

type promServer struct {
	t   *testing.T
	url string
}

// startPrometheus runs a Prometheus of the test's own (Debian's package may
// run another on :9090) on a free loopback port, scraping target every
// second with the shipped configuration otherwise.
func startPrometheus(t *testing.T, bin, target string) *promServer {
	t.Helper()
	dir := t.TempDir()
	raw, err := os.ReadFile(prometheusFile)
	if err != nil {
		t.Fatal(err)
	}
	var conf map[string]any
	if err := yaml.Unmarshal(raw, &conf); err != nil {
		t.Fatalf("%s: %v", prometheusFile, err)
	}
	global := conf["global"].(map[string]any)
	global["scrape_interval"], global["evaluation_interval"] = "1s", "1s"
	job := conf["scrape_configs"].([]any)[0].(map[string]any)
	job["scrape_timeout"] = "900ms"
	job["static_configs"].([]any)[0].(map[string]any)["targets"] = []string{target}
	out, err := yaml.Marshal(conf)
	if err != nil {
		t.Fatal(err)
	}
	confPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(confPath, out, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config.file="+confPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	logPath := filepath.Join(dir, "prometheus.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logFile.Close()
	})
	p := &promServer{t: t, url: "http://" + addr}
	for start := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get(p.url + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Since(start) > 20*time.Second {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("prometheus not ready after 20s:\n%s", log)
		}
	}
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// query evaluates expr now and says what is wrong with the answer: an
// error, no series, or no series with a number.
func (p *promServer) query(expr string) string {
	resp, err := http.Get(p.url + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Status, Error string
		Data          struct {
			ResultType string
			Result     []struct {
				Value [2]any
			}
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Sprintf("%s: %s", resp.Status, body)
	}
	if r.Status != "success" {
		return "error: " + r.Error
	}
	if len(r.Data.Result) == 0 {
		return "no data"
	}
	for _, s := range r.Data.Result {
		if v, ok := s.Value[1].(string); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) {
				return ""
			}
		}
	}
	return fmt.Sprintf("%d series, none with a number", len(r.Data.Result))
}
