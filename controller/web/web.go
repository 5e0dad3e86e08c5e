// Package web is the control room: the HTML pages the daemon serves to a
// technician's browser (the chamber grid with live tiles, subjects,
// studies, sessions, the day's run sheet), rendered on the server with
// html/template from templates embedded in the binary, with one small
// script for the live stream (Server-Sent Events) and the buttons. It
// needs nothing from the internet: no CDN, no Node at run time.
//
// The package renders; it does not decide who may look. The HTTP API
// (controller/httpapi) puts every page behind its login and every
// mutating request behind the token or the login cookie and an Origin
// check, and the page's buttons call that same JSON API, so that a
// refusal reads the same on the page as with curl.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/storage"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// DefaultNoResponse is how long a running session's rat may go without
// breaking a beam before its tile says so.
const DefaultNoResponse = 2 * time.Minute

// Options are what the pages show.
type Options struct {
	Supervisor *controller.Supervisor
	DB         *storage.DB
	Log        *slog.Logger
	// NoResponse is how long without an input before a running chamber's
	// tile warns that its rat has stopped responding; 0: DefaultNoResponse.
	NoResponse time.Duration
}

// Pages serves the control room's pages. Each method is an http.Handler
// function; the caller mounts them behind its login.
type Pages struct {
	sup        *controller.Supervisor
	db         *storage.DB
	log        *slog.Logger
	noResponse time.Duration
	pages      map[string]*template.Template
	assets     http.Handler
	hub        hub
}

// pageNames are the templates that are whole pages (each with layout.html).
var pageNames = []string{"login", "grid", "subjects", "subject", "studies", "study", "session", "runsheet", "error"}

// New parses the embedded templates.
func New(o Options) (*Pages, error) {
	if o.Supervisor == nil || o.DB == nil {
		return nil, errors.New("web: a supervisor and a database are required")
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.NoResponse <= 0 {
		o.NoResponse = DefaultNoResponse
	}
	p := &Pages{sup: o.Supervisor, db: o.DB, log: o.Log, noResponse: o.NoResponse, pages: map[string]*template.Template{}}
	p.hub.p = p
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p.pages[name] = t
	}
	sub, err := fs.Sub(assetFiles, "assets")
	if err != nil {
		return nil, err
	}
	p.assets = http.StripPrefix("/assets/", http.FileServerFS(sub))
	return p, nil
}

// Assets serves the stylesheet and the script under /assets/. They are
// not secret (no data in them) and may be cached for an hour.
func (p *Pages) Assets(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	p.assets.ServeHTTP(w, r)
}

// securityHeaders keeps the pages to themselves: no script, style or
// connection from anywhere else (so even an unescaped string could not
// run code), no framing by another site (clickjacking), no referrer
// leaving the lab, and no caching of pages that hold subject data.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // not no-referrer: with it a form's POST carries Origin: null
	h.Set("Cache-Control", "no-store")
}

// view is what every page's layout needs besides the page's own data.
type view struct {
	Title    string
	Nav      string // the menu entry to mark as current
	LoggedIn bool
	Data     any
}

// render writes a page. It renders into a buffer first, so that a
// template error is a clean 500 rather than half a page.
func (p *Pages) render(w http.ResponseWriter, status int, name string, v view) {
	var buf bytes.Buffer
	if err := p.pages[name].Execute(&buf, v); err != nil {
		p.log.Error("page did not render", "page", name, "err", err)
		securityHeaders(w.Header())
		http.Error(w, "internal error (see the daemon's log)", http.StatusInternalServerError)
		return
	}
	securityHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Login renders the login form, with problem (if any) saying why the last
// attempt failed. The caller checks the token and sets the cookie.
func (p *Pages) Login(w http.ResponseWriter, status int, problem string) {
	p.render(w, status, "login", view{Title: "Log in", Data: problem})
}

// fail renders an error page.
func (p *Pages) fail(w http.ResponseWriter, r *http.Request, status int, format string, a ...any) {
	p.render(w, status, "error", view{Title: http.StatusText(status), LoggedIn: true, Data: fmt.Sprintf(format, a...)})
}

// internal renders a 500 whose detail goes to the log only.
func (p *Pages) internal(w http.ResponseWriter, r *http.Request, err error) {
	p.log.Error("page failed", "path", r.URL.Path, "err", err)
	p.fail(w, r, http.StatusInternalServerError, "internal error (see the daemon's log)")
}
