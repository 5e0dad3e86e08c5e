package httpapi

import (
	"context"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/fivechoice/fivechoice/controller/timing"
)

// DefaultMaxInFlight is how many requests the API serves at once; more are
// answered 503 at once, with Retry-After, instead of queueing without
// bound (issue 12: a burst of large reads took 2 GB of memory and 99
// threads that never came back).
const DefaultMaxInFlight = 32

// MaxStreams bounds the control room's live streams open at once. A
// stream lasts as long as its page is open and sleeps between changes, so
// it takes neither a place among the requests in flight nor a turn for a
// processor while it waits.
const MaxStreams = 16

// workers is how many requests run at once: every processor of the Go
// runtime but one (and at least one).
func workers() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// guard is the API's door, in front of every route: the Host check, the
// bound on requests in flight, and the normal scheduling policy for the
// connection's thread, and turns for the processors. /healthz and /metrics
// pass the Host check and the bound: a service manager and Prometheus
// reach them by whatever name they are given, and they must answer while
// the API is busy; /metrics takes its turn for a processor like the rest.
func (a *API) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaveRealtime(r.Context(), a)
		if r.URL.Path == "/healthz" { // tiny, and a service manager must always get its answer
			next.ServeHTTP(w, r)
			return
		}
		if r.URL.Path != "/metrics" {
			if !a.hostAllowed(r.Host) {
				a.misdirected(w, r)
				return
			}
			if r.URL.Path == "/events" {
				a.stream(w, r, next)
				return
			}
			select {
			case a.inFlight <- struct{}{}:
				defer func() { <-a.inFlight }()
			default:
				w.Header().Set("Retry-After", "1")
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "busy: too many requests in flight; retry in a second"})
				return
			}
		}
		// Requests take turns for the processors, /metrics included: the
		// Go runtime runs goroutines on GOMAXPROCS processors whatever the
		// threads' priorities, and with every processor busy serving
		// requests the timing scheduler and the chambers' runners waited
		// for one (up to the runtime's 10 ms time slice). One processor
		// always stays free for them.
		select {
		case a.working <- struct{}{}:
			defer func() { <-a.working }()
		case <-r.Context().Done():
			return
		}
		next.ServeHTTP(w, r)
	})
}

// stream serves a live stream within its own bound (MaxStreams).
func (a *API) stream(w http.ResponseWriter, r *http.Request, next http.Handler) {
	select {
	case a.streams <- struct{}{}:
		defer func() { <-a.streams }()
		next.ServeHTTP(w, r)
	default:
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "busy: too many control-room pages open"})
	}
}

// misdirected refuses a request whose Host is not a name of this daemon.
func (a *API) misdirected(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusMisdirectedRequest, map[string]string{"error": "host " + quoteHost(r.Host) +
		" is not a name of this daemon: reach it by its IP address, localhost or its host name, or add the name to the configuration's hosts"})
}

// hostAllowed reports whether a request's Host names this daemon: an IP
// address, localhost, the machine's host name (with or without .local),
// or a name the configuration lists. A browser sends the name it resolved,
// so a page of another site whose name an attacker points at the lab's
// address (DNS rebinding) is refused before it can read anything.
func (a *API) hostAllowed(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" {
		return false // HTTP/1.1 requires Host; only hand-made requests lack it
	}
	if net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	return slices.Contains(a.hosts, host)
}

// hostNames are the names the daemon answers to besides addresses: the
// configured ones and the machine's own.
func hostNames(extra []string) []string {
	var names []string
	if h, err := os.Hostname(); err == nil && h != "" {
		h = strings.ToLower(h)
		short, _, _ := strings.Cut(h, ".")
		names = append(names, h, short, short+".local")
	}
	for _, n := range extra {
		names = append(names, strings.ToLower(strings.TrimSuffix(n, ".")))
	}
	return names
}

func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100] + "..."
	}
	return `"` + strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return '?'
		}
		return r
	}, h) + `"`
}

// connKey marks a connection's context with whether its goroutine has left
// the real-time class yet.
type connKey struct{}

// ConnContext is the http.Server hook that lets guard take each
// connection's goroutine off the real-time class once (NewServer sets it).
func ConnContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, new(atomic.Bool))
}

// leaveRealtime runs the rest of this connection's goroutine at the normal
// policy (timing.LeaveRealtime): net/http serves each HTTP/1 connection on
// one goroutine, which ends when the connection does, taking its thread.
func leaveRealtime(ctx context.Context, a *API) {
	done, ok := ctx.Value(connKey{}).(*atomic.Bool)
	if !ok || done.Swap(true) {
		return
	}
	if err := timing.LeaveRealtime(); err != nil {
		a.log.Warn("an HTTP connection keeps real-time priority", "err", err)
	}
}
