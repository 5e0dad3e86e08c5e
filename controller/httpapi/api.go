// Package httpapi is the daemon's HTTP API: JSON under /api/v1 for
// listing chambers and their live sessions, starting and stopping
// sessions, reading results, and managing subjects; /healthz for service
// managers; /metrics for Prometheus.
//
// Reads are open and every mutating request needs the API token
// (Authorization: Bearer TOKEN), because reading a chamber's state is
// harmless while starting a session on an animal is not. The daemon
// listens on loopback by default; a lab that opens it to its network puts
// a TLS proxy in front.
package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/controller/web"
	"github.com/fivechoice/fivechoice/storage"
)

// DefaultMaxBody bounds a request body: the largest legitimate one, a
// session start with parameter overrides, is well under a kilobyte.
const DefaultMaxBody = 64 << 10

// Options are what the API serves.
type Options struct {
	Supervisor *controller.Supervisor
	DB         *storage.DB
	// Token is what mutating requests must present; required.
	Token string
	// Version is the software version recorded with each session.
	Version string
	Log     *slog.Logger // nil: slog.Default()
	// Metrics, if set, is served at /metrics.
	Metrics http.Handler
	// Health, if set, is asked by /healthz: an error makes it 503 (a
	// failed storage writer, say).
	Health func() error
	// Degraded, if set, is asked by /healthz after Health: an error makes
	// it 200 with status "degraded" (storage commits lagging; sessions go
	// on, and a service manager must not restart the daemon for it).
	Degraded func() error
	// Writer, if set, takes the API's own writes (new subjects), so that
	// every write of the daemon goes through the one storage writer.
	Writer *storage.Writer
	// MaxBody bounds request bodies; 0: DefaultMaxBody.
	MaxBody int64
	// MaxInFlight bounds the requests served at once; 0:
	// DefaultMaxInFlight.
	MaxInFlight int
	// Hosts are the host names, besides its addresses, localhost and the
	// machine's name, by which the API is reached (see guard).
	Hosts []string
	// NoResponse is how long a rat may go without responding before its
	// tile on the control-room page says so; 0: web.DefaultNoResponse.
	NoResponse time.Duration
}

// API is the HTTP API. It is an http.Handler.
type API struct {
	sup     *controller.Supervisor
	db      *storage.DB
	token   tokenHash
	version string
	log     *slog.Logger
	health  func() error
	degrade func() error
	writer  *storage.Writer
	maxBody int64
	// inFlight holds a token per request being served (guard).
	inFlight chan struct{}
	working  chan struct{} // a token per request running (guard)
	hosts    []string
	mux      *http.ServeMux
	handler  http.Handler

	// started remembers the plans of sessions started here until they end,
	// so that a running session's view never depends on reading the
	// database (its row is committed before the 201 in any case).
	mu      sync.Mutex
	started map[string]controller.Plan

	// The control room (issue 13): its pages, the live logins, and a
	// token per live stream open (guard).
	pages   *web.Pages
	logins  logins
	streams chan struct{}
}

// New returns the API.
func New(o Options) (*API, error) {
	if o.Supervisor == nil || o.DB == nil {
		return nil, errors.New("httpapi: a supervisor and a database are required")
	}
	if o.Token == "" {
		return nil, errors.New("httpapi: a token is required")
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	a := &API{sup: o.Supervisor, db: o.DB, token: hashToken(o.Token), version: o.Version, log: o.Log,
		health: o.Health, degrade: o.Degraded, writer: o.Writer, maxBody: o.MaxBody, mux: http.NewServeMux(), started: map[string]controller.Plan{},
		inFlight: make(chan struct{}, o.MaxInFlight), working: make(chan struct{}, workers()), hosts: hostNames(o.Hosts),
		streams: make(chan struct{}, MaxStreams)}
	pages, err := web.New(web.Options{Supervisor: o.Supervisor, DB: o.DB, Log: o.Log, NoResponse: o.NoResponse})
	if err != nil {
		return nil, err
	}
	a.pages = pages
	a.routes(o.Metrics)
	a.handler = a.recoverPanics(a.logRequests(a.guard(a.private(a.mux))))
	return a, nil
}

func (a *API) routes(metrics http.Handler) {
	m := a.mux
	m.Handle("GET /healthz", a.handle(a.healthz))
	if metrics != nil {
		m.Handle("GET /metrics", metrics)
	}
	m.Handle("GET /api/v1/chambers", a.handle(a.listChambers))
	m.Handle("GET /api/v1/chambers/{name}", a.handle(a.getChamber))
	m.Handle("POST /api/v1/chambers/{name}/sessions", a.auth(a.handle(a.startSession)))
	m.Handle("GET /api/v1/sessions", a.handle(a.listSessions))
	m.Handle("GET /api/v1/sessions/{id}", a.handle(a.getSession))
	m.Handle("POST /api/v1/sessions/{id}/stop", a.auth(a.handle(a.stopSession)))
	m.Handle("GET /api/v1/subjects", a.handle(a.listSubjects))
	m.Handle("POST /api/v1/subjects", a.auth(a.handle(a.addSubject)))
	m.Handle("GET /api/v1/subjects/{id}", a.handle(a.getSubject))
	m.Handle("GET /api/v1/conditions", a.handle(a.listConditions))
	m.Handle("POST /api/v1/studies/{name}/sessions", a.auth(a.handle(a.startStudySession)))
	// Records kept with the sessions, and corrections with history (issue 16,
	// docs/records.md): records.go.
	m.Handle("POST /api/v1/sessions/{id}/exclude", a.auth(a.handle(a.excludeSession(true))))
	m.Handle("POST /api/v1/sessions/{id}/reinstate", a.auth(a.handle(a.excludeSession(false))))
	m.Handle("GET /api/v1/sessions/{id}/notes", a.handle(a.listNotes("session")))
	m.Handle("POST /api/v1/sessions/{id}/notes", a.auth(a.handle(a.addNote("session"))))
	m.Handle("GET /api/v1/subjects/{id}/notes", a.handle(a.listNotes("subject")))
	m.Handle("POST /api/v1/subjects/{id}/notes", a.auth(a.handle(a.addNote("subject"))))
	m.Handle("GET /api/v1/subjects/{id}/weights", a.handle(a.listWeights))
	m.Handle("POST /api/v1/subjects/{id}/weights", a.auth(a.handle(a.addWeight)))
	m.Handle("GET /api/v1/subjects/{id}/corrections", a.handle(a.listCorrections("subject")))
	m.Handle("POST /api/v1/subjects/{id}/corrections", a.auth(a.handle(a.addCorrection("subject"))))
	m.Handle("GET /api/v1/conditions/{id}/corrections", a.handle(a.listCorrections("condition")))
	m.Handle("POST /api/v1/conditions/{id}/corrections", a.auth(a.handle(a.addCorrection("condition"))))
	// Parameter sets (issue 14): the built-in ones and the lab's own, every version.
	m.Handle("GET /api/v1/protocols", a.handle(a.listProtocols))
	m.Handle("GET /api/v1/protocols/{name}", a.handle(a.getProtocol))
	// Training (issue 14): stages, history, enrolment, moves, today's session.
	m.Handle("GET /api/v1/training", a.handle(a.listTraining))
	m.Handle("GET /api/v1/training/{subject}", a.handle(a.getTraining))
	m.Handle("POST /api/v1/training/{subject}/enrol", a.auth(a.handle(a.changeStage(true))))
	m.Handle("POST /api/v1/training/{subject}/move", a.auth(a.handle(a.changeStage(false))))
	m.Handle("POST /api/v1/chambers/{name}/training", a.auth(a.handle(a.startTraining)))
	// The control room's pages, login and live stream (issue 13, docs/web.md).
	a.webRoutes(a.pages)
	m.Handle("/", a.handle(a.notFound))
}

// ServeHTTP serves the API: every route, logged, with panics answered 500.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Server timeouts. A client that trickles its request or never reads its
// answer must not hold a connection (and a goroutine) for ever. Writes may
// take a while: stopping a session waits until its end is on disk.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 2 * time.Minute
)

// NewServer returns an HTTP server for h with the timeouts above; the
// server's own errors (bad TLS, broken connections) go to log.
func NewServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnContext:       ConnContext,
	}
}

// notFound answers every request no route takes: 405 with Allow when the
// path exists under another method, else 404, both in JSON (the mux's own
// answers are plain text).
func (a *API) notFound(w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := a.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		for _, m := range allow {
			w.Header().Add("Allow", m)
		}
		return fail(http.StatusMethodNotAllowed, "method %s not allowed on %s", r.Method, r.URL.Path)
	}
	return fail(http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
}
