package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// Web configures a run of the control room's bench (issue 13): a database
// seeded with Sessions stored sessions, the real daemon on it with
// Chambers simulated chambers running on the wall clock, the pages
// rendered Renders times each, then phases with no page open, one, and
// Pages pages holding the live stream.
type Web struct {
	Exe      string
	Dir      string
	Chambers int
	Sessions int
	Renders  int
	Pages    int
	Phase    time.Duration
}

// Render is how long one page took to render and arrive, over Renders
// requests on loopback.
type Render struct {
	Path          string
	P50, P99, Max time.Duration
	Bytes         int
}

// StreamPhase is one phase with some pages holding the live stream.
type StreamPhase struct {
	Pages int
	Phase Phase // lateness and process figures, as in the API bench
	// CPU is the daemon's CPU time over the phase, as a share of one core.
	CPU float64
	// BytesPerPage is the stream's bytes a second to each page; Tiles the
	// tile messages a second to each.
	BytesPerPage, Tiles float64
	// Latency is from an input at the daemon (its wall clock) to the tile
	// showing it arriving at a page, for every tile that carried a new
	// input.
	Latency []time.Duration
}

// WebResult is what the bench measured.
type WebResult struct {
	Seeded  time.Duration
	DBBytes int64
	Renders []Render
	Phases  []StreamPhase
}

// RunWeb seeds the database, starts the daemon and measures.
func RunWeb(ctx context.Context, o Web) (WebResult, error) {
	var res WebResult
	if o.Chambers < 1 || o.Sessions < 1 || o.Renders < 1 || o.Pages < 1 || o.Phase <= 0 {
		return res, errors.New("bench web: chambers, sessions, renders, pages and phase must be positive")
	}
	start := time.Now()
	session, err := seed(ctx, filepath.Join(o.Dir, "bench.db"), o.Sessions, o.Chambers)
	if err != nil {
		return res, err
	}
	var rats []string
	for i := range o.Chambers {
		rats = append(rats, fmt.Sprintf("W%02d", i+1))
	}
	create := exec.CommandContext(ctx, o.Exe, "study", "create", "BENCH", "--db", filepath.Join(o.Dir, "bench.db"), "--subjects", strings.Join(rats, ","),
		"--conditions", "vehicle,atx-0.1,atx-0.3,atx-1.0")
	if out, err := create.CombinedOutput(); err != nil {
		return res, fmt.Errorf("study create: %w\n%s", err, out)
	}
	res.Seeded = time.Since(start)
	if fi, err := os.Stat(filepath.Join(o.Dir, "bench.db")); err == nil {
		res.DBBytes = fi.Size()
	}
	d, err := startDaemon(ctx, APILoad{Exe: o.Exe, Dir: o.Dir, Chambers: o.Chambers, Clients: 1, Phase: o.Phase})
	if err != nil {
		return res, err
	}
	defer d.stop()
	if _, err := d.startSessions(o.Chambers); err != nil {
		return res, err
	}
	cookie, err := d.login()
	if err != nil {
		return res, err
	}
	for _, path := range []string{"/", "/subjects", "/subjects/W01", "/sessions/" + session, "/studies", "/studies/BENCH", "/runsheet"} {
		r, err := d.render(cookie, path, o.Renders)
		if err != nil {
			return res, err
		}
		res.Renders = append(res.Renders, r)
	}
	for _, pages := range []int{0, 1, o.Pages} {
		p, err := d.streamPhase(ctx, cookie, pages, o.Phase)
		if err != nil {
			return res, err
		}
		res.Phases = append(res.Phases, p)
	}
	return res, nil
}

// seed stores n whole baseline sessions in virtual time, spread over as
// many subjects as chambers (W01, W02 ...), and returns the last one's id.
func seed(ctx context.Context, path string, n, subjects int) (string, error) {
	db, err := storage.Open(ctx, path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	for i := range subjects {
		if err := db.EnsureSubject(ctx, fmt.Sprintf("W%02d", i+1)); err != nil {
			return "", err
		}
	}
	w, err := db.NewWriter()
	if err != nil {
		return "", err
	}
	p, _ := protocols.Lookup("baseline")
	var last string
	for i := range n {
		p.Seed = uint64(i)
		ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, p.Seed))
		plan := controller.Plan{Provenance: storage.Provenance{Subject: fmt.Sprintf("W%02d", i%subjects+1), Condition: "vehicle", Chamber: "bench",
			Backend: hardware.BackendSim, Protocol: "baseline", Params: p, Version: "bench"}, Batch: true}
		rec, err := controller.RunRecorded(ctx, w, plan, controller.Setup{Chamber: ch, Timeline: ch})
		if err == nil {
			err = rec.Result.Err
		}
		if err != nil {
			w.Close()
			return "", err
		}
		last = rec.ID
	}
	return last, w.Close()
}

// login logs in as the page does and returns the login cookie.
func (d *loadDaemon) login() (*http.Cookie, error) {
	req, _ := http.NewRequest(http.MethodPost, d.url+"/login", strings.NewReader(url.Values{"token": {d.token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", d.url)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "fivechoice_login" {
			return ck, nil
		}
	}
	return nil, fmt.Errorf("login: %d, no cookie", resp.StatusCode)
}

// render fetches a page n times, one after another.
func (d *loadDaemon) render(cookie *http.Cookie, path string, n int) (Render, error) {
	r := Render{Path: path}
	var took []time.Duration
	for range n {
		req, _ := http.NewRequest(http.MethodGet, d.url+path, nil)
		req.AddCookie(cookie)
		start := time.Now()
		resp, err := d.client.Do(req)
		if err != nil {
			return r, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took = append(took, time.Since(start))
		if err != nil || resp.StatusCode != http.StatusOK {
			return r, fmt.Errorf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		r.Bytes = len(b)
	}
	slices.Sort(took)
	r.P50, r.P99, r.Max = Quantile(took, 0.5), Quantile(took, 0.99), took[len(took)-1]
	return r, nil
}

// Quantile is the q-quantile of sorted durations (nearest rank).
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// streamPhase holds pages streams open for a phase and measures them, the
// daemon's CPU and its chambers' timer lateness.
func (d *loadDaemon) streamPhase(ctx context.Context, cookie *http.Cookie, pages int, length time.Duration) (StreamPhase, error) {
	sp := StreamPhase{Pages: pages}
	before, err := d.lateness()
	if err != nil {
		return sp, err
	}
	cpu0 := procCPU(d.cmd.Process.Pid)
	sctx, cancel := context.WithTimeout(ctx, length)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var bytes, tiles int64
	errs := make(chan error, pages)
	for range pages {
		wg.Go(func() {
			b, n, lat, err := d.stream(sctx, cookie)
			mu.Lock()
			bytes, tiles, sp.Latency = bytes+b, tiles+n, append(sp.Latency, lat...)
			mu.Unlock()
			errs <- err
		})
	}
	start := time.Now()
	<-sctx.Done()
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		if err != nil {
			return sp, err
		}
	}
	sp.CPU = (procCPU(d.cmd.Process.Pid) - cpu0).Seconds() / elapsed.Seconds()
	if pages > 0 {
		sp.BytesPerPage = float64(bytes) / float64(pages) / elapsed.Seconds()
		sp.Tiles = float64(tiles) / float64(pages) / elapsed.Seconds()
	}
	after, err := d.lateness()
	if err != nil {
		return sp, err
	}
	sp.Phase = phaseOf(before, after)
	slices.Sort(sp.Latency)
	return sp, ctx.Err()
}

// stream reads one live stream until ctx ends: its bytes, tile messages,
// and for each tile that shows a new input, the time since that input.
func (d *loadDaemon) stream(ctx context.Context, cookie *http.Cookie) (bytes, tiles int64, latency []time.Duration, err error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.url+"/events", nil)
	req.AddCookie(cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, nil, fmt.Errorf("GET /events: %d", resp.StatusCode)
	}
	last := map[string]int64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		bytes += int64(len(line)) + 1
		data, ok := strings.CutPrefix(string(line), "data: {")
		if !ok {
			continue
		}
		var t struct {
			Name      string `json:"name"`
			LastInput int64  `json:"last_input"`
		}
		if json.Unmarshal([]byte("{"+data), &t) != nil {
			continue
		}
		tiles++
		if prev, seen := last[t.Name]; seen && t.LastInput > prev {
			latency = append(latency, time.Since(time.UnixMilli(t.LastInput)))
		}
		last[t.Name] = t.LastInput
	}
	return bytes, tiles, latency, nil // the stream ends with the phase
}

// procCPU is a process's user and system CPU time so far.
func procCPU(pid int) time.Duration {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / 100 // USER_HZ is 100 on Linux
}

// phaseOf is the lateness of the transitions between two readings of the
// daemon's histogram.
func phaseOf(before, after latencies) Phase {
	p := Phase{Transitions: after.count - before.count, Within: map[float64]uint64{}, Worst: math.Inf(1)}
	for _, le := range after.bounds {
		p.Within[le] = after.le[le] - before.le[le]
	}
	for _, le := range after.bounds {
		if p.Within[le] == p.Transitions {
			p.Worst = le
			break
		}
	}
	return p
}
