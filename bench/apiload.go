package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// APILoad configures an API load run: the real daemon (this binary's
// serve, a child process) with simulated chambers on the wall clock, a
// quiet phase and a phase with clients reading the API as fast as they
// can, in one run, so that the two lateness figures are comparable.
type APILoad struct {
	Exe      string        // the fivechoice binary
	Dir      string        // for the configuration, database and log
	Chambers int           // simulated chambers, each running a session
	Clients  int           // concurrent API readers in the load phase
	Phase    time.Duration // length of each phase
}

// Phase is what one phase measured: the chambers' timer lateness (from
// the daemon's own histogram, the difference over the phase) and the
// daemon process's threads, file descriptors and resident memory at its end.
type Phase struct {
	Name        string
	Transitions uint64
	Within      map[float64]uint64 // transitions at most this late (seconds)
	Worst       float64            // upper bound of the latest bucket that holds one (Inf: beyond the last)
	Requests    int64
	Refused     int64 // 503 busy
	Failed      int64 // other errors
	Threads     int
	FDs         int
	RSS         int64 // bytes
	Elapsed     time.Duration
}

// RunAPILoad runs the phases: quiet, loaded, quiet again (threads, file
// descriptors and memory after the load).
func RunAPILoad(ctx context.Context, o APILoad) ([]Phase, error) {
	d, err := startDaemon(ctx, o)
	if err != nil {
		return nil, err
	}
	defer d.stop()
	ids, err := d.startSessions(o.Chambers)
	if err != nil {
		return nil, err
	}
	time.Sleep(2 * time.Second) // every session past its start
	var out []Phase
	for _, ph := range []struct {
		name    string
		clients int
	}{{"quiet", 0}, {"API load", o.Clients}, {"quiet after", 0}} {
		p, err := d.phase(ctx, ph.name, ph.clients, ids, o.Phase)
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}

type loadDaemon struct {
	cmd    *exec.Cmd
	url    string
	token  string
	client *http.Client
}

func startDaemon(ctx context.Context, o APILoad) (*loadDaemon, error) {
	if o.Chambers < 1 || o.Clients < 1 || o.Phase <= 0 {
		return nil, errors.New("bench api: chambers, clients and phase must be positive")
	}
	token := fmt.Sprintf("bench-%016x", rand.Uint64())
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "database: bench.db\nlisten: 127.0.0.1:0\ntoken: %s\nlog: {level: info, format: json}\nchambers:\n", token)
	for i := range o.Chambers {
		fmt.Fprintf(&cfg, "  - {name: box%02d, backend: sim}\n", i+1)
	}
	cfgPath := filepath.Join(o.Dir, "bench.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(o.Dir, "daemon.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, o.Exe, "serve", "--config", cfgPath)
	cmd.Stdout = logf
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start daemon: %w", err)
	}
	d := &loadDaemon{cmd: cmd, token: token, client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	deadline := time.Now().Add(20 * time.Second)
	for d.url == "" {
		if time.Now().After(deadline) {
			d.stop()
			return nil, fmt.Errorf("daemon did not listen within 20 s; see %s", logf.Name())
		}
		time.Sleep(50 * time.Millisecond)
		raw, _ := os.ReadFile(logf.Name())
		if i := strings.Index(string(raw), `"msg":"API listening"`); i >= 0 {
			line := string(raw[i:])
			if j := strings.Index(line, `"addr":"`); j >= 0 {
				addr := line[j+8:]
				d.url = "http://" + addr[:strings.IndexByte(addr, '"')]
			}
		}
	}
	return d, nil
}

func (d *loadDaemon) stop() {
	if d.cmd.Process != nil {
		d.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { d.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			d.cmd.Process.Kill()
		}
	}
}

func (d *loadDaemon) post(path, body string) error {
	req, _ := http.NewRequest("POST", d.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, msg)
	}
	return nil
}

// startSessions starts a long baseline session on every chamber and
// returns their ids.
func (d *loadDaemon) startSessions(n int) ([]string, error) {
	var ids []string
	for i := range n {
		subj := fmt.Sprintf("B%02d", i+1)
		if err := d.post("/api/v1/subjects", `{"id": "`+subj+`"}`); err != nil {
			return nil, err
		}
		body := `{"subject": "` + subj + `", "protocol": "baseline", "condition": "vehicle", "params": {"max_trials": 10000, "max_duration": "2h"}}`
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/chambers/box%02d/sessions", d.url, i+1), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+d.token)
		resp, err := d.client.Do(req)
		if err != nil {
			return nil, err
		}
		loc := resp.Header.Get("Location")
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("start on box%02d: %d", i+1, resp.StatusCode)
		}
		ids = append(ids, loc[strings.LastIndexByte(loc, '/')+1:])
	}
	return ids, nil
}

// phase measures one phase, with clients readers hammering the API.
func (d *loadDaemon) phase(ctx context.Context, name string, clients int, ids []string, length time.Duration) (Phase, error) {
	before, err := d.lateness()
	if err != nil {
		return Phase{}, err
	}
	p := Phase{Name: name}
	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reqs, refused, failed atomic.Int64
	paths := []string{"/api/v1/chambers", "/api/v1/sessions?limit=100", "/metrics"}
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 1))
			for {
				select {
				case <-stop:
					return
				default:
				}
				path := "/api/v1/sessions/" + ids[r.IntN(len(ids))] + "?attempts=1"
				if k := r.IntN(4); k < 3 {
					path = paths[k]
				}
				req, _ := http.NewRequest(http.MethodGet, d.url+path, nil)
				req.Header.Set("Authorization", "Bearer "+d.token)
				resp, err := d.client.Do(req)
				reqs.Add(1)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusServiceUnavailable:
					refused.Add(1)
				case resp.StatusCode != http.StatusOK:
					failed.Add(1)
				}
			}
		}()
	}
	select {
	case <-time.After(length):
	case <-ctx.Done():
	}
	close(stop)
	wg.Wait()
	p.Elapsed = time.Since(start)
	if clients == 0 {
		d.client.CloseIdleConnections()
	}
	after, err := d.lateness()
	if err != nil {
		return p, err
	}
	p.Requests, p.Refused, p.Failed = reqs.Load(), refused.Load(), failed.Load()
	p.Transitions = after.count - before.count
	p.Within = map[float64]uint64{}
	for _, le := range after.bounds {
		p.Within[le] = after.le[le] - before.le[le]
	}
	// The worst transition lies in the first bucket holding all of them.
	p.Worst = math.Inf(1)
	for _, le := range after.bounds {
		if p.Within[le] == p.Transitions {
			p.Worst = le
			break
		}
	}
	p.Threads, p.FDs, p.RSS = procFigures(d.cmd.Process.Pid)
	return p, ctx.Err()
}

// latencies is the daemon's timer lateness histogram summed over chambers
// and transitions: cumulative counts by upper bound.
type latencies struct {
	bounds []float64
	le     map[float64]uint64
	count  uint64
}

func (d *loadDaemon) lateness() (latencies, error) {
	resp, err := d.client.Get(d.url + "/metrics")
	if err != nil {
		return latencies{}, err
	}
	defer resp.Body.Close()
	l := latencies{le: map[float64]uint64{}}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "fivechoice_timer_lateness_seconds_bucket{") {
			continue
		}
		i := strings.Index(line, `le="`)
		j := strings.LastIndexByte(line, ' ')
		if i < 0 || j < 0 {
			continue
		}
		bound := line[i+4:]
		bound = bound[:strings.IndexByte(bound, '"')]
		le, err1 := strconv.ParseFloat(bound, 64)
		n, err2 := strconv.ParseFloat(line[j+1:], 64)
		if err1 != nil || err2 != nil {
			return l, fmt.Errorf("metrics: %q", line)
		}
		if _, seen := l.le[le]; !seen {
			l.bounds = append(l.bounds, le)
		}
		l.le[le] += uint64(n)
		if math.IsInf(le, 1) {
			l.count += uint64(n)
		}
	}
	sort.Float64s(l.bounds)
	return l, sc.Err()
}

// procFigures reads a process's threads, open file descriptors and
// resident memory from /proc.
func procFigures(pid int) (threads, fds int, rss int64) {
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		fds = len(ents)
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "Threads:":
			threads, _ = strconv.Atoi(f[1])
		case "VmRSS:":
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			rss = kb * 1024
		}
	}
	return
}
