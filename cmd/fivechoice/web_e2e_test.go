package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fivechoice/fivechoice/internal/testenv"
)

// The control room in a real browser (issue 13): Debian's chromium,
// headless, driven over the DevTools protocol against the real daemon on
// simulated chambers at speed 50 with a real SQLite file, and a serial
// chamber on the board emulator that is killed mid-session.

// evilID is a subject id with HTML in it: every page must show it as text.
const evilID = `<img src=x onerror="document.title='pwned'">`

// webDaemon prepares a database (subjects, a blind study) with the
// command line, then starts the daemon on it: four simulated chambers at
// speed 50 and one serial chamber on a board emulator.
func webDaemon(t *testing.T) (*daemonProc, *boardEmulator) {
	t.Helper()
	dir := t.TempDir()
	pass := writePassphrase(t, dir, testPassphrase)
	setup := [][]string{
		{"subject", "add", "R01", "--db", "fivechoice.db", "--sex", "male", "--strain", "Lister Hooded"},
		{"subject", "add", "R02", "--db", "fivechoice.db"},
		{"subject", "add", evilID, "--db", "fivechoice.db"},
		{"study", "create", "ATX", "--db", "fivechoice.db", "--subjects", "R03,R04,R05,R06", "--new-subjects",
			"--conditions", "vehicle,atx-0.3,atx-1.0", "--washout", "48h", "--blind", "--seed", "7", "--passphrase-file", pass},
		{"study", "run", "ATX", "--db", "fivechoice.db", "--subject", "R04", "--simulated", "--passphrase-file", pass}, // a test day already run
		{"subject", "add", "R07", "--db", "fivechoice.db"},
		{"subject", "add", "R08", "--db", "fivechoice.db"},
		{"runsheet", "add", "--db", "fivechoice.db", "--chamber", "box2", "--subject", "R07", "--protocol", "baseline", "--condition", "vehicle"},
		{"runsheet", "add", "--db", "fivechoice.db", "--chamber", "box2", "--subject", "R08", "--protocol", "baseline", "--condition", "atx-1.0"},
		{"runsheet", "add", "--db", "fivechoice.db", "--chamber", "box4", "--subject", "R05", "--study", "ATX"},
		// R01's welfare and training, for its page.
		{"subject", "weigh", "R01", "--db", "fivechoice.db", "--grams", "352", "--free-feeding", "400", "--day", "2026-03-02", "--by", "ana"},
		{"subject", "weigh", "R01", "--db", "fivechoice.db", "--grams", "336", "--day", "2026-03-03", "--by", "ana"},
		{"subject", "note", "R01", "--db", "fivechoice.db", "--by", "ana", "--text", "a little lethargic <b>today</b>; weighed twice"},
		{"train", "enrol", "R01", "--db", "fivechoice.db", "--by", "ana", "--stage", "baseline", "--why", "trained on the old rig"},
		{"subject", "add", "R09", "--db", "fivechoice.db"},
		{"train", "enrol", "R09", "--db", "fivechoice.db", "--by", "ana", "--stage", "stage2", "--why", "trained on the old rig"},
	}
	for i, c := range []string{"vehicle", "vehicle", "atx-1.0", "vehicle", "atx-0.3", "vehicle"} { // R01's history, for its trend
		setup = append(setup, []string{"run", "--db", "fivechoice.db", "--subject", "R01", "--condition", c, "--protocol", "baseline",
			"--chamber", "sim", "--seed", fmt.Sprint(i + 1)})
	}
	for _, args := range setup {
		if out, errOut, code := fivechoice(t, dir, args...); code != 0 {
			t.Fatalf("fivechoice %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
	}
	board := startBoardEmulator(t, filepath.Join(dir, "board.pty"))
	cfg := filepath.Join(dir, "fivechoice.yaml")
	var b strings.Builder
	b.WriteString("database: fivechoice.db\nlisten: 127.0.0.1:0\ntoken: " + e2eToken + "\nno_response_warning: 2s\n")
	b.WriteString("log: {level: info, format: json}\ncommit_interval: 50ms\nchambers:\n")
	for i := range 4 {
		fmt.Fprintf(&b, "  - {name: box%d, backend: sim, sim: {speed: 50}}\n", i+1)
	}
	b.WriteString("  - {name: board, backend: serial, serial: {port: " + board.link + "}}\n")
	writeFile(t, cfg, b.String())
	return startDaemon(t, dir, "--config", cfg), board
}

// chromium starts a headless Debian chromium and returns a tab's context.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path := testenv.Command(t, "chromium", "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("disable-gpu", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		testenv.Missing(t, "a working chromium (Debian package chromium)", err)
	}
	return ctx
}

// tab wraps a chromium tab with the test's failure handling.
type tab struct {
	t   *testing.T
	ctx context.Context
	d   *daemonProc
}

func (b tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\n%s", what, err, b.d.logs())
	}
}

// wait waits until a JavaScript expression is true in the page, polling
// again when the page reloads under it (the run sheet reloads itself).
func (b tab) wait(what, expr string, limit time.Duration) {
	b.t.Helper()
	var err error
	for range 3 {
		_, err = chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(limit), chromedp.WithPollingInterval(100*time.Millisecond)))
		if err == nil || !strings.Contains(err.Error(), "(-32000)") { // the page went away under the poll
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		b.t.Fatalf("%s: %v\npage:\n%s", what, err, text)
	}
}

func (b tab) eval(expr string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func (b tab) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

// screenshot saves the page as PNG into FIVECHOICE_SCREENSHOTS (docs/ in
// the repository, when refreshing its pictures) or the test's own folder.
func (b tab) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	dir := os.Getenv("FIVECHOICE_SCREENSHOTS")
	if dir == "" {
		dir = b.t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// tile is a JavaScript expression for a field of a chamber's tile.
func tile(chamber, field string) string {
	return `document.querySelector('.tile[data-chamber="` + chamber + `"] [data-f="` + field + `"]').textContent`
}

func tileClass(chamber, class string) string {
	return `document.querySelector('.tile[data-chamber="` + chamber + `"]').classList.contains("` + class + `")`
}

// evilSite serves, from another origin, a page that tries to start a
// session on the daemon with the technician's cookie: a form POST and a
// fetch, as a malicious page open in another tab would.
func evilSite(t *testing.T, daemon string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	page := `<!doctype html><title>evil</title><body>
<form id="f" method="post" action="` + daemon + `/api/v1/chambers/box4/sessions" enctype="text/plain" target="sink">
<input name='{"subject":"R01","protocol":"baseline","condition":"vehicle","x":"' value='"}'></form>
<iframe name="sink"></iframe>
<script>
fetch("` + daemon + `/api/v1/chambers/box4/sessions", {method: "POST", mode: "no-cors", credentials: "include",
  body: JSON.stringify({subject: "R01", protocol: "baseline", condition: "vehicle"})})
  .finally(() => { document.getElementById("f").submit(); setTimeout(() => { document.title = "done"; }, 1500); });
</script>`
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(page))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
