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
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fivechoice/fivechoice/internal/testenv"
)

// The deployment files the test checks, relative to this package.
const (
	dashboardFile  = "../../deploy/grafana/fivechoice.json"
	prometheusFile = "../../deploy/prometheus/prometheus.yml"
)

// TestDashboardOnPrometheus runs the daemon with 16 simulated chambers at
// high speed, lets the real Prometheus scrape it with the shipped scrape
// configuration (at a 1 s interval), and evaluates every PromQL expression
// of the shipped Grafana dashboard through Prometheus's HTTP API: each must
// parse and return data. It also checks that the dashboard stays readable
// with many chambers: outside the per-chamber rows no graph or stat draws
// more than maxSeries series (it aggregates, or shows the top few), and in
// a chamber's row none does either. FIVECHOICE_DASHBOARD_CHAMBERS=64 runs
// it with 64 chambers (docs/grafana.md has the figures).
func TestDashboardOnPrometheus(t *testing.T) {
	promBin := testenv.Command(t, "prometheus", "prometheus")
	queries := dashboardQueries(t)
	if len(queries) < 10 {
		t.Fatalf("only %d queries in %s", len(queries), dashboardFile)
	}
	deadline := time.Now().Add(60 * time.Second)

	dir := t.TempDir()
	chambers := 16
	if n, err := strconv.Atoi(os.Getenv("FIVECHOICE_DASHBOARD_CHAMBERS")); err == nil && n > 0 {
		chambers = n
	}
	d := startDaemon(t, dir, "--config", e2eConfig(t, dir, chambers, 200))
	names := make([]string, chambers)
	for i := range names {
		names[i] = "box" + strconv.Itoa(i+1)
	}
	d.startLong(names...)
	prom := startPrometheus(t, promBin, strings.TrimPrefix(d.url, "http://"))

	// Every query must return data; rates need a few scrapes, so ask again
	// until all do or time is up.
	var failures []string
	for round := 0; ; round++ {
		failures = failures[:0]
		widest := 0
		for _, q := range queries {
			n, msg := prom.query(q.expr)
			if !q.table {
				widest = max(widest, n)
			}
			if msg == "" && !q.table && n > maxSeries {
				msg = fmt.Sprintf("%d series at %d chambers (panel %q): more than %d is unreadable", n, chambers, q.panel, maxSeries)
			}
			if msg != "" {
				failures = append(failures, fmt.Sprintf("%s\n      %s", q.expr, msg))
			}
		}
		if len(failures) == 0 {
			t.Logf("all %d dashboard queries returned data after %d rounds; at %d chambers the widest graph draws %d series", len(queries), round+1, chambers, widest)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d dashboard queries failed:\n  %s", len(failures), len(queries), strings.Join(failures, "\n  "))
		}
		time.Sleep(time.Second)
	}
	if code := d.signal(syscall.SIGTERM); code != 0 {
		t.Errorf("daemon exit %d", code)
	}
}

// maxSeries is the most series a dashboard graph or stat may draw.
const maxSeries = 12

// A dashQuery is one PromQL expression of the dashboard, ready for
// Prometheus, and where it is drawn.
type dashQuery struct {
	expr  string
	panel string
	table bool // a table lists a row per chamber, and may
}

// dashboardQueries returns every PromQL expression of the dashboard, with
// Grafana's variables replaced as Grafana would: every chamber selected
// (in a repeated chamber row, one chamber: box1), $__rate_interval a few
// scrape intervals. The chamber variable's own query (label_values)
// becomes the PromQL it stands for.
func dashboardQueries(t *testing.T) []dashQuery {
	t.Helper()
	var out []dashQuery
	seen := map[dashQuery]bool{}
	add := func(q dashQuery) {
		if strings.Contains(q.expr, "$") {
			t.Errorf("query with a variable the test does not know: %s", q.expr)
		} else if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	dash := readDashboard(t)
	labelValues := regexp.MustCompile(`^label_values\(\s*([^,]+?)\s*,\s*(\w+)\s*\)$`)
	for _, v := range dash.Templating.List {
		if m := labelValues.FindStringSubmatch(v.Definition); m != nil {
			add(dashQuery{expr: fmt.Sprintf("count by (%s) (%s)", m[2], m[1]), panel: "variable " + v.Name, table: true})
		}
	}
	common := []string{"$__rate_interval", "5s", "$__interval", "5s", "$__range", "1m", "$silent", "300"}
	all := strings.NewReplacer(append([]string{`"$chamber"`, `".*"`, `"${chamber}"`, `".*"`}, common...)...)
	one := strings.NewReplacer(append([]string{`"$chamber"`, `"box1"`, `"${chamber}"`, `"box1"`}, common...)...)
	for _, p := range dash.panels() {
		subst := all
		if p.repeated {
			subst = one
		}
		for _, tg := range p.Targets {
			add(dashQuery{expr: subst.Replace(tg.Expr), panel: p.Title, table: p.Type == "table"})
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
func startPrometheus(t *testing.T, bin, target string, ruleFiles ...string) *promServer {
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
	conf["rule_files"] = ruleFiles
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

// query evaluates expr now and returns how many series it gave, and what
// is wrong with the answer: an error, no series, or no series with a
// number.
func (p *promServer) query(expr string) (series int, problem string) {
	resp, err := http.Get(p.url + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return 0, err.Error()
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
		return 0, fmt.Sprintf("%s: %s", resp.Status, body)
	}
	if r.Status != "success" {
		return 0, "error: " + r.Error
	}
	if len(r.Data.Result) == 0 {
		return 0, "no data"
	}
	for _, s := range r.Data.Result {
		if v, ok := s.Value[1].(string); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) {
				return len(r.Data.Result), ""
			}
		}
	}
	return len(r.Data.Result), fmt.Sprintf("%d series, none with a number", len(r.Data.Result))
}
