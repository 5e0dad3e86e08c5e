package httpapi_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/controller/httpapi"
	"github.com/fivechoice/fivechoice/controller/web"
)

// browser is a hand-made browser: it keeps the login cookie, never
// follows redirects (the tests look at them), and sends Origin as a
// browser would on a POST from the page it is on.
type browser struct {
	d      *daemon
	cookie *http.Cookie
	origin string // "" sends none
}

func (d *daemon) browser() *browser { return &browser{d: d, origin: d.url} }

func (b *browser) send(method, path, contentType, body string) (*http.Response, string) {
	b.d.t.Helper()
	req, err := http.NewRequest(method, b.d.url+path, strings.NewReader(body))
	if err != nil {
		b.d.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if b.origin != "" && method == http.MethodPost {
		req.Header.Set("Origin", b.origin)
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		b.d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.Name == httpapi.LoginCookie {
			b.cookie = c
		}
	}
	return resp, string(raw)
}

func (b *browser) get(path string) (*http.Response, string) {
	return b.send(http.MethodGet, path, "", "")
}

func (b *browser) login(tok string) (*http.Response, string) {
	return b.send(http.MethodPost, "/login", "application/x-www-form-urlencoded", url.Values{"token": {tok}}.Encode())
}

// pagePaths are the control room's pages, each of which needs the login.
var pagePaths = []string{"/", "/subjects", "/subjects/R01", "/studies"}

// TestControlRoomLogin walks the login: every page and the live stream
// refused without it, a wrong token refused, the right one giving an
// HttpOnly SameSite=Strict cookie that is not the token, and logout ending
// it. The token never appears in a page, a cookie, a redirect or the log.
func TestControlRoomLogin(t *testing.T) {
	d := start(t)
	d.do(http.MethodPost, "/api/v1/subjects", `{"id": "R01"}`, "", nil)
	b := d.browser()
	for _, path := range pagePaths {
		if resp, _ := b.get(path); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("GET %s without login: %d to %q, want 303 to /login", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, _ := b.get("/events"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /events without login: %d, want 401", resp.StatusCode)
	}
	if resp, body := b.get("/login"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="token"`) {
		t.Errorf("GET /login: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := b.login(token + "x"); resp.StatusCode != http.StatusUnauthorized || b.cookie != nil || !strings.Contains(body, "not this daemon") {
		t.Errorf("wrong token: %d, cookie %v\n%s", resp.StatusCode, b.cookie, body)
	}
	b.origin = "http://evil.example"
	if resp, _ := b.login(token); resp.StatusCode != http.StatusForbidden || b.cookie != nil {
		t.Errorf("login from another site: %d, cookie %v, want 403 and none", resp.StatusCode, b.cookie)
	}
	b.origin = d.url
	resp, _ := b.login(token)
	if resp.StatusCode != http.StatusSeeOther || b.cookie == nil {
		t.Fatalf("login: %d, cookie %v", resp.StatusCode, b.cookie)
	}
	c := b.cookie
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || strings.Contains(c.Value, token) {
		t.Errorf("login cookie %+v: want HttpOnly, SameSite=Strict, path /, and not the token", c)
	}
	for _, path := range pagePaths {
		resp, body := b.get(path)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, token) {
			t.Errorf("GET %s logged in: %d (token in page: %v)", path, resp.StatusCode, strings.Contains(body, token))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
	if resp, _ := b.send(http.MethodPost, "/logout", "", ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	b.cookie = c // a copy of the cookie kept from before the logout
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / with the cookie of a login that logged out: %d, want 303", resp.StatusCode)
	}
	if strings.Contains(d.logs.String(), token) {
		t.Error("the token is in the log")
	}
}

// TestControlRoomMutations: the page's buttons call the JSON API with the
// login cookie; such a request is taken only with an Origin naming the
// daemon (a cross-site form or script gets 403), and the bearer token
// still works alone, as before.
func TestControlRoomMutations(t *testing.T) {
	d := start(t)
	b := d.browser()
	b.login(token)
	post := func(origin, id string) int {
		b.origin = origin
		req, _ := http.NewRequest(http.MethodPost, d.url+"/api/v1/subjects", strings.NewReader(`{"id": "`+id+`"}`))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		req.AddCookie(b.cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name, origin string
		want         int
	}{
		{"same origin", d.url, http.StatusCreated},
		{"another site", "http://evil.example", http.StatusForbidden},
		{"no Origin", "", http.StatusForbidden},
		{"opaque origin", "null", http.StatusForbidden},
		{"same host, other port", "http://127.0.0.1:1", http.StatusForbidden},
	} {
		if got := post(tc.origin, "R-"+strings.ReplaceAll(tc.name, " ", "-")); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if code := d.do(http.MethodPost, "/api/v1/subjects", `{"id": "R-bearer"}`, "", nil); code != http.StatusCreated {
		t.Errorf("bearer token alone: %d, want 201", code)
	}
	if code := d.do(http.MethodPost, "/api/v1/subjects", `{"id": "R-none"}`, "none", nil); code != http.StatusUnauthorized {
		t.Errorf("no token, no cookie: %d, want 401", code)
	}
}

// TestControlRoomEscapes: a subject id with HTML in it is shown as text on
// every page that names it, never as markup.
func TestControlRoomEscapes(t *testing.T) {
	d := start(t)
	evil := `<img src=x onerror="alert(1)">`
	body, _ := json.Marshal(map[string]string{"id": evil})
	if code := d.do(http.MethodPost, "/api/v1/subjects", string(body), "", nil); code != http.StatusCreated {
		t.Fatalf("adding the subject: %d", code)
	}
	b := d.browser()
	b.login(token)
	for _, path := range []string{"/", "/subjects", "/subjects/" + url.PathEscape(evil)} {
		resp, page := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
			continue
		}
		if strings.Contains(page, "<img") || !strings.Contains(page, "&lt;img src=x onerror=") {
			t.Errorf("GET %s: the id is not escaped", path)
		}
	}
}

// TestControlRoomStream reads the live stream: every tile at once, then a
// tile that changes when a session starts and runs.
func TestControlRoomStream(t *testing.T) {
	d := start(t)
	d.do(http.MethodPost, "/api/v1/subjects", `{"id": "R01"}`, "", nil)
	b := d.browser()
	b.login(token)
	req, _ := http.NewRequest(http.MethodGet, d.url+"/events", nil)
	req.AddCookie(b.cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := readEvents(t, resp.Body)
	seen := map[string]bool{}
	for len(seen) < 3 {
		if tile := <-events; tile.Name != "" {
			seen[tile.Name] = true
		}
	}
	if code := d.do(http.MethodPost, "/api/v1/chambers/box3/sessions", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle"}`, "", nil); code != http.StatusCreated {
		t.Fatalf("start: %d", code)
	}
	for tile := range events {
		if tile.Name == "box3" && tile.State == "running" && tile.Trials >= 2 {
			if tile.Subject != "R01" || tile.Condition != "vehicle" || tile.MaxTrials != 100 || len(tile.Recent) == 0 {
				t.Errorf("running tile %+v", tile)
			}
			break
		}
	}
	// A second page, opened now, gets every tile at once, box3 running,
	// from the tiles the first page's updates already worked out.
	req, _ = http.NewRequest(http.MethodGet, d.url+"/events", nil)
	req.AddCookie(b.cookie)
	second, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Body.Close()
	more := readEvents(t, second.Body)
	got := map[string]string{}
	for len(got) < 3 {
		tile, ok := <-more
		if !ok {
			t.Fatal("the second stream ended")
		}
		if tile.Name != "" {
			got[tile.Name] = tile.State
		}
	}
	if got["box3"] != "running" {
		t.Errorf("second page's first tiles %v: want box3 running", got)
	}
}

// readEvents parses a Server-Sent Events stream's tile events (clock
// events come as an empty tile).
func readEvents(t *testing.T, r io.Reader) <-chan web.Tile {
	out := make(chan web.Tile)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				var tile web.Tile
				if event == "tile" {
					if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &tile); err != nil {
						t.Error(err)
						return
					}
				}
				out <- tile
			}
		}
	}()
	return out
}
