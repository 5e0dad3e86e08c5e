package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/fivechoice/fivechoice/controller/web"
)

// The control room's login (issue 13). A technician gives the API token
// once, on the login form; the browser then holds a login cookie: a
// random session id, never the token, HttpOnly (no script reads it),
// SameSite=Strict (no other site's page sends it) and, behind TLS,
// Secure. Every page that shows subject data needs it; every mutating
// request that presents it must also come from this daemon's own pages
// (Origin), because a cookie, unlike the bearer token, is sent by the
// browser on its own. The token never appears in a URL, a page or a log.

// LoginCookie is the name of the login cookie.
const LoginCookie = "fivechoice_login"

// Logins last a lab's working day; logging out ends one at once.
const (
	LoginTTL  = 12 * time.Hour
	maxLogins = 1024 // a bound on memory; the oldest goes first
)

// logins are the live logins, by the SHA-256 of their session id (a
// memory dump would not hand out a working cookie).
type logins struct {
	mu      sync.Mutex
	expires map[[sha256.Size]byte]time.Time
}

func (l *logins) create(now time.Time) string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	id := base64.RawURLEncoding.EncodeToString(b[:])
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.expires == nil {
		l.expires = map[[sha256.Size]byte]time.Time{}
	}
	var oldest [sha256.Size]byte
	var oldestAt time.Time
	for k, at := range l.expires {
		if !at.After(now) {
			delete(l.expires, k)
		} else if oldestAt.IsZero() || at.Before(oldestAt) {
			oldest, oldestAt = k, at
		}
	}
	if len(l.expires) >= maxLogins {
		delete(l.expires, oldest)
	}
	l.expires[sha256.Sum256([]byte(id))] = now.Add(LoginTTL)
	return id
}

func (l *logins) valid(id string, now time.Time) bool {
	if id == "" {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	at, ok := l.expires[sha256.Sum256([]byte(id))]
	return ok && at.After(now)
}

func (l *logins) end(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.expires, sha256.Sum256([]byte(id)))
}

// loggedIn reports whether a request carries a live login cookie.
func (a *API) loggedIn(r *http.Request) bool {
	c, err := r.Cookie(LoginCookie)
	return err == nil && a.logins.valid(c.Value, time.Now())
}

// sameOrigin reports whether a request comes from a page of this daemon:
// its Origin names the host it was sent to. A browser sets Origin on
// every POST and a page cannot forge it; a request without one is
// refused too (only old or hand-made clients omit it, and those use the
// bearer token).
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return false
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" && u.Path != "/" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// crossSite answers a refused cross-site request.
func (a *API) crossSite(w http.ResponseWriter, r *http.Request) {
	a.log.Warn("request refused: cross-site (Origin is not this daemon)", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusForbidden, map[string]string{"error": "cross-site request refused: the Origin header does not name this daemon"})
}

// page puts a page behind the login: without one, a browser is sent to
// the login form.
func (a *API) page(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.loggedIn(r) {
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		h(w, r)
	})
}

// loggedInStream is page for the live stream: an EventSource cannot
// follow a redirect to a form, so it gets a plain 401.
func (a *API) loggedInStream(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.loggedIn(r) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "log in first"})
			return
		}
		h(w, r)
	})
}

func (a *API) loginForm(w http.ResponseWriter, r *http.Request) {
	if a.loggedIn(r) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	a.pages.Login(w, http.StatusOK, "")
}

// login checks the token of the login form and, if it is right, sets the
// login cookie. A wrong token is logged without itself.
func (a *API) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		a.crossSite(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		a.pages.Login(w, http.StatusBadRequest, "The form did not arrive whole; try again.")
		return
	}
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	if tok == "" || !a.token.matches(tok) {
		a.log.Warn("login refused: wrong token", "remote", r.RemoteAddr)
		a.pages.Login(w, http.StatusUnauthorized, "That is not this daemon's API token.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: LoginCookie, Value: a.logins.create(time.Now()), Path: "/", MaxAge: int(LoginTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	a.log.Info("logged in to the control room", "remote", r.RemoteAddr)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout ends the login and clears the cookie.
func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		a.crossSite(w, r)
		return
	}
	if c, err := r.Cookie(LoginCookie); err == nil {
		a.logins.end(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: LoginCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// webRoutes are the control room's routes (issue 13, docs/web.md).
func (a *API) webRoutes(p *web.Pages) {
	m := a.mux
	m.HandleFunc("GET /login", a.loginForm)
	m.HandleFunc("POST /login", a.login)
	m.HandleFunc("POST /logout", a.logout)
	m.HandleFunc("GET /assets/", p.Assets)
	m.Handle("GET /events", a.loggedInStream(p.Stream))
	m.Handle("GET /{$}", a.page(p.Grid))
	m.Handle("GET /subjects", a.page(p.Subjects))
	m.Handle("GET /subjects/{id}", a.page(p.Subject))
	m.Handle("GET /studies", a.page(p.Studies))
	m.Handle("GET /studies/{name}", a.page(p.Study))
	m.Handle("GET /studies/{name}/report", a.page(p.Report))
	m.Handle("GET /sessions/{id}", a.page(p.Session))
	m.Handle("GET /sessions/{id}/{what}", a.page(p.SessionCSV))
	m.Handle("GET /runsheet", a.page(p.RunSheet))
	m.Handle("GET /api/v1/runsheet", a.handle(a.listRunSheet))
	m.Handle("POST /api/v1/runsheet", a.auth(a.handle(a.addRunEntry)))
	m.Handle("POST /api/v1/runsheet/{id}/start", a.auth(a.handle(a.startRunEntry)))
	m.Handle("POST /api/v1/runsheet/{id}/remove", a.auth(a.handle(a.removeRunEntry)))
}
