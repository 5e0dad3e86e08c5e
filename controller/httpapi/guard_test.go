package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

// guarded is an API with only what guard needs, in front of h.
func guarded(h http.Handler, inFlight int, hosts ...string) http.Handler {
	a := &API{log: slog.New(slog.NewTextHandler(io.Discard, nil)), inFlight: make(chan struct{}, inFlight),
		working: make(chan struct{}, inFlight), hosts: hostNames(hosts)}
	return a.guard(h)
}

// TestHostCheck: requests whose Host is not a name of the daemon are
// refused (DNS rebinding), except /healthz and /metrics.
func TestHostCheck(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	h := guarded(ok, 4, "fivechoice-lab.example.org")
	name, _ := os.Hostname()
	for _, tc := range []struct {
		host, path string
		want       int
	}{
		{"127.0.0.1:8750", "/api/v1/sessions", 200},
		{"[::1]:8750", "/api/v1/sessions", 200},
		{"192.168.1.20:8750", "/api/v1/sessions", 200},
		{"localhost:8750", "/api/v1/sessions", 200},
		{"LOCALHOST", "/api/v1/sessions", 200},
		{strings.ToUpper(name) + ":8750", "/api/v1/sessions", 200},
		{name + ".local", "/api/v1/sessions", 200},
		{"fivechoice-lab.example.org:8750", "/api/v1/chambers", 200},
		{"fivechoice-lab.example.org.", "/api/v1/chambers", 200},
		{"evil.example.com:8750", "/api/v1/sessions", http.StatusMisdirectedRequest},
		{"evil.example.com", "/", http.StatusMisdirectedRequest},
		{"127.0.0.1.evil.example.com", "/api/v1/chambers", http.StatusMisdirectedRequest},
		{"", "/api/v1/chambers", http.StatusMisdirectedRequest},
		{"evil.example.com", "/healthz", 200},
		{"evil.example.com", "/metrics", 200},
	} {
		r := httptest.NewRequest("GET", tc.path, nil)
		r.Host = tc.host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("Host %q %s: %d, want %d (%s)", tc.host, tc.path, w.Code, tc.want, w.Body)
		}
	}
}

// TestInFlightBound: beyond the bound, a request is answered 503 with
// Retry-After at once instead of queueing; /healthz still answers; a
// finished request frees its place.
func TestInFlightBound(t *testing.T) {
	hold, held := make(chan struct{}), make(chan struct{}, 2)
	h := guarded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			held <- struct{}{}
			<-hold
		}
	}), 2)
	srv := httptest.NewServer(h)
	defer srv.Close()
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); get(t, srv.URL+"/slow") }()
	}
	<-held
	<-held
	if code, hdr := get(t, srv.URL+"/api/v1/chambers"); code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Errorf("third request: %d, Retry-After %q; want 503 with Retry-After", code, hdr.Get("Retry-After"))
	}
	if code, _ := get(t, srv.URL+"/healthz"); code != http.StatusOK {
		t.Errorf("healthz while busy: %d", code)
	}
	close(hold)
	wg.Wait()
	if code, _ := get(t, srv.URL+"/api/v1/chambers"); code != http.StatusOK {
		t.Errorf("after the slow requests: %d", code)
	}
}

func get(t *testing.T, url string) (int, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}
