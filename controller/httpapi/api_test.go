package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/controller/config"
	"github.com/fivechoice/fivechoice/controller/httpapi"
	"github.com/fivechoice/fivechoice/controller/wiring"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/internal/logbuf"
	"github.com/fivechoice/fivechoice/storage"
)

const token = "test-token-0123456789abcdef"

// daemon is the API on a real loopback listener, over a real supervisor
// running simulated chambers and a real SQLite file.
type daemon struct {
	t    testing.TB
	url  string
	logs *logbuf.Buffer
	db   *storage.DB
}

func start(t testing.TB, opts ...storage.WriterOption) *daemon {
	t.Helper()
	ctx := context.Background()
	logs := &logbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "fivechoice.db"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := db.NewWriter(append([]storage.WriterOption{storage.WithLogger(log)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Chambers: []config.Chamber{
		{Name: "box1", Backend: hardware.BackendSim, Sim: &config.Sim{Speed: 1}},   // real time
		{Name: "box2", Backend: hardware.BackendSim, Sim: &config.Sim{Speed: 1}},   // real time
		{Name: "box3", Backend: hardware.BackendSim, Sim: &config.Sim{Speed: 200}}, // paced virtual time
	}}
	boxes, err := wiring.Boxes(cfg, wiring.Hooks{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	sup, err := controller.NewSupervisor(w, log, boxes, nil)
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Options{Supervisor: sup, DB: db, Token: token, Version: "test", Log: log, Health: w.Err, Degraded: w.Degraded, Writer: w})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpapi.NewServer(ln.Addr().String(), api, log)
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := sup.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		srv.Shutdown(ctx)
		if err := w.Close(); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	return &daemon{t: t, url: "http://" + ln.Addr().String(), logs: logs, db: db}
}

// do sends a request (with the token unless auth is "none", or auth as the
// whole Authorization header) and decodes a JSON answer into out.
func (d *daemon) do(method, path, body, auth string, out any) int {
	d.t.Helper()
	req, err := http.NewRequest(method, d.url+path, strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	switch auth {
	case "":
		req.Header.Set("Authorization", "Bearer "+token)
	case "none":
	default:
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		d.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		d.t.Errorf("%s %s: Content-Type %q, body %s", method, path, ct, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			d.t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}

// errorOf answers a request expected to fail with status, and returns its
// message.
func (d *daemon) errorOf(method, path, body, auth string, status int) string {
	d.t.Helper()
	var e struct{ Error string }
	if got := d.do(method, path, body, auth, &e); got != status {
		d.t.Errorf("%s %s %s: status %d (%q), want %d", method, path, body, got, e.Error, status)
	}
	if e.Error == "" {
		d.t.Errorf("%s %s: no error message", method, path)
	}
	return e.Error
}

type session struct {
	ID, Status, Chamber, Subject, Condition, Protocol, Phase string
	EndReason                                                string `json:"end_reason"`
	Seed                                                     uint64
	Attempt                                                  int
	Params                                                   *struct {
		ITI       string `json:"iti"`
		MaxTrials int    `json:"max_trials"`
	}
	Counters *struct {
		TrialsScored int `json:"trials_scored"`
		Attempts     int
		Correct      int
	}
	Measures *struct {
		OmissionsPct *float64 `json:"omissions_pct"`
	} `json:"measures"`
	Attempts []struct {
		N       int
		Outcome string
	}
}

// fast parameters: a session of a few attempts that a real-time virtual rat
// mostly omits (the stimulus is too short for it), so it ends in seconds.
const fast = `{"iti": "50ms", "stimulus_duration": "50ms", "limited_hold": "100ms", "timeout": "50ms",
	"initiation": "auto", "free_pellet_at_start": false, "max_trials": 5}`

func (d *daemon) startSession(chamber, body string) session {
	d.t.Helper()
	var s session
	if got := d.do("POST", "/api/v1/chambers/"+chamber+"/sessions", body, "", &s); got != http.StatusCreated {
		d.t.Fatalf("start on %s: status %d", chamber, got)
	}
	if s.ID == "" || s.Status != "running" || s.Chamber != chamber || s.Params == nil {
		d.t.Fatalf("start on %s: %+v", chamber, s)
	}
	return s
}

// waitFor polls a session until cond holds.
func (d *daemon) waitFor(id string, limit time.Duration, cond func(session) bool) session {
	d.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var s session
		if got := d.do("GET", "/api/v1/sessions/"+id+"?attempts=1", "", "", &s); got != http.StatusOK {
			d.t.Fatalf("get session %s: %d", id, got)
		}
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("session %s: condition not met in %v; last %+v", id, limit, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAPI(t *testing.T) {
	d := start(t)
	var health struct{ Status string }
	if got := d.do("GET", "/healthz", "", "none", &health); got != http.StatusOK || health.Status != "ok" {
		t.Errorf("healthz %d %+v", got, health)
	}

	// Subjects: every change needs the token.
	d.errorOf("POST", "/api/v1/subjects", `{"id": "R01"}`, "none", http.StatusUnauthorized)
	d.errorOf("POST", "/api/v1/subjects", `{"id": "R01"}`, "Bearer wrong-token-0123456789", http.StatusUnauthorized)
	d.errorOf("POST", "/api/v1/subjects", `{"id": "R01"}`, "Basic "+token, http.StatusUnauthorized)
	if got := d.do("POST", "/api/v1/subjects", `{"id": "R01", "sex": "male", "strain": "Lister Hooded", "born": "2025-01-10"}`, "", nil); got != http.StatusCreated {
		t.Fatalf("add subject: %d", got)
	}
	if got := d.do("POST", "/api/v1/subjects", `{"id": "R02"}`, "bearer "+token, nil); got != http.StatusCreated {
		t.Fatalf("add subject with a lower-case scheme: %d", got)
	}
	d.errorOf("POST", "/api/v1/subjects", `{"id": "R01"}`, "", http.StatusConflict)
	d.errorOf("POST", "/api/v1/subjects", `{"id": "R03", "sex": "m"}`, "", http.StatusUnprocessableEntity)
	for _, id := range []string{`" R01 "`, `"R01\r\n"`, `"R\u200b01"`, `"a/b"`, `"R\u000001"`} {
		if msg := d.errorOf("POST", "/api/v1/subjects", `{"id": `+id+`}`, "", http.StatusUnprocessableEntity); !strings.Contains(msg, "subject id") {
			t.Errorf("subject %s: %q", id, msg)
		}
	}
	// The lab's data is not for anyone on the network: every read of the
	// JSON API needs the token too; /healthz stays open for monitoring.
	for _, path := range []string{"/api/v1/subjects", "/api/v1/sessions", "/api/v1/chambers", "/api/v1/training", "/api/v1/subjects/R01", "/api/v1/nothing"} {
		if got := d.do("GET", path, "", "none", nil); got != http.StatusUnauthorized {
			t.Errorf("GET %s without the token: %d, want 401", path, got)
		}
		if got := d.do("GET", path, "", "Bearer wrong-token-0123456789", nil); got != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong token: %d, want 401", path, got)
		}
	}
	var subjects struct{ Subjects []struct{ ID string } }
	if d.do("GET", "/api/v1/subjects", "", "", &subjects); len(subjects.Subjects) != 2 {
		t.Errorf("subjects %+v", subjects)
	}
	var conditions struct{ Conditions []struct{ ID string } }
	if d.do("GET", "/api/v1/conditions", "", "", &conditions); len(conditions.Conditions) < 2 {
		t.Errorf("conditions %+v", conditions)
	}

	// Sessions on three chambers at once.
	s1 := d.startSession("box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "seed": 11, "params": `+fast+`}`)
	s2 := d.startSession("box2", `{"subject": "R02", "protocol": "baseline", "condition": "vehicle",
		"params": {"iti": "200ms", "limited_hold": "1s", "timeout": "200ms", "initiation": "auto", "max_trials": 10000, "max_duration": "1h"}}`)
	// One animal, one chamber: R02 runs on box2 (the database refuses it
	// even if two requests race).
	d.errorOf("POST", "/api/v1/chambers/box3/sessions", `{"subject": "R02", "protocol": "baseline", "condition": "vehicle"}`, "", http.StatusConflict)
	if got := d.do("POST", "/api/v1/subjects", `{"id": "R04"}`, "Bearer "+token, nil); got != http.StatusCreated {
		t.Fatalf("add subject R04: %d", got)
	}
	s3 := d.startSession("box3", `{"subject": "R04", "protocol": "baseline", "condition": "baseline", "params": {"max_trials": 20}}`)
	if s1.Seed != 11 || s1.Params.ITI != "50ms" || s1.Params.MaxTrials != 5 || s2.Seed == 0 {
		t.Errorf("recorded plans: %+v %+v", s1, s2)
	}
	// Read back at once: the row may not be committed yet.
	if got := d.waitFor(s2.ID, time.Second, func(s session) bool { return true }); got.Params == nil || got.Params.ITI != "200ms" || got.Subject != "R02" {
		t.Errorf("session read back at once: %+v", got)
	}

	// Bad requests.
	d.errorOf("POST", "/api/v1/chambers/box2/sessions", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle"}`, "", http.StatusConflict)
	for _, tc := range []struct {
		chamber, body string
		status        int
		want          string
	}{
		{"box9", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle"}`, http.StatusNotFound, `unknown chamber "box9"`},
		{"box4", `{}`, http.StatusNotFound, "chambers: box1, box2, box3"},
		{"box1", `{"subject": "R99", "protocol": "baseline", "condition": "vehicle"}`, http.StatusUnprocessableEntity, `unknown subject "R99"`},
		{"box1", `{"subject": "R01", "protocol": "stage99", "condition": "vehicle"}`, http.StatusUnprocessableEntity, `unknown protocol "stage99"`},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "atx-99"}`, http.StatusUnprocessableEntity, `unknown condition "atx-99"`},
		{"box1", `{"subject": "R01", "protocol": "baseline"}`, http.StatusUnprocessableEntity, "condition: required"},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"iti": "-5s"}}`, http.StatusUnprocessableEntity, "parameter iti: must be 10ms to 10m0s, got -5s"},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"iti": "1ns"}}`, http.StatusUnprocessableEntity, "parameter iti: must be 10ms to 10m0s, got 1ns"},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"iti": "1000000h"}}`, http.StatusUnprocessableEntity, "parameter iti: must be 10ms to 10m0s"},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"itii": "5s"}}`, http.StatusUnprocessableEntity, `unknown parameter "itii"`},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"iti": 5}}`, http.StatusUnprocessableEntity, `"iti"`},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"seed": 5}}`, http.StatusUnprocessableEntity, `"seed"`},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": [1]}`, http.StatusUnprocessableEntity, "want a JSON object"},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "seed": 18446744073709551615}`, http.StatusUnprocessableEntity, "seed: want 0 to"},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle"`, http.StatusBadRequest, "malformed JSON"},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle"} {}`, http.StatusBadRequest, "more after the object"},
		{"box1", `not json`, http.StatusBadRequest, "malformed JSON"},
		{"box1", ``, http.StatusBadRequest, "empty body"},
		{"box1", `{"subject": "R01", "protocl": "baseline"}`, http.StatusBadRequest, `unknown field "protocl"`},
		{"box1", `{"subject": 7}`, http.StatusBadRequest, `field "subject"`},
		{"box1", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle", "params": {"iti": "5s", "ITI": "7s"}}`, http.StatusBadRequest, "key params.ITI given twice"},
		{"box1", `{"subject": "R01", "Subject": "R02", "protocol": "baseline", "condition": "vehicle"}`, http.StatusBadRequest, "key Subject given twice"},
		{"box1", `{"subject": "` + strings.Repeat("x", httpapi.DefaultMaxBody) + `"}`, http.StatusRequestEntityTooLarge, "larger than"},
	} {
		msg := d.errorOf("POST", "/api/v1/chambers/"+tc.chamber+"/sessions", tc.body, "", tc.status)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("POST %.60s: error %q, want it to contain %q", tc.body, msg, tc.want)
		}
	}
	d.errorOf("POST", "/api/v1/chambers/box1/sessions", `{"subject": "R01", "protocol": "baseline", "condition": "vehicle"}`, "none", http.StatusUnauthorized)
	d.errorOf("GET", "/api/v1/nothing", "", "", http.StatusNotFound)
	if msg := d.errorOf("DELETE", "/api/v1/chambers", "", "", http.StatusMethodNotAllowed); !strings.Contains(msg, "DELETE") {
		t.Errorf("405 message %q", msg)
	}

	// Watch box2 live.
	live := d.waitFor(s2.ID, 15*time.Second, func(s session) bool { return s.Attempt >= 2 })
	if live.Status != "running" || live.Phase == "" || live.Counters == nil {
		t.Errorf("live session %+v", live)
	}
	var chambers struct {
		Chambers []struct {
			Name, State, Subject, Protocol string
			SessionID                      string `json:"session_id"`
			Attempt                        int
		}
	}
	d.do("GET", "/api/v1/chambers", "", "", &chambers)
	if len(chambers.Chambers) != 3 || chambers.Chambers[1].Name != "box2" || chambers.Chambers[1].State != "running" ||
		chambers.Chambers[1].SessionID != s2.ID || chambers.Chambers[1].Subject != "R02" {
		t.Errorf("chambers %+v", chambers)
	}
	var box2 struct{ State string }
	if d.do("GET", "/api/v1/chambers/box2", "", "", &box2); box2.State != "running" {
		t.Errorf("box2 %+v", box2)
	}

	// Stop box2.
	d.errorOf("POST", "/api/v1/sessions/"+s2.ID+"/stop", "", "none", http.StatusUnauthorized)
	var stopped session
	if got := d.do("POST", "/api/v1/sessions/"+s2.ID+"/stop", "", "", &stopped); got != http.StatusOK {
		t.Fatalf("stop: %d", got)
	}
	if stopped.Status != "ended" || stopped.EndReason != "stopped" || stopped.Counters == nil {
		t.Errorf("stopped session %+v", stopped)
	}
	d.errorOf("POST", "/api/v1/sessions/"+s2.ID+"/stop", "", "", http.StatusConflict)
	d.errorOf("POST", "/api/v1/sessions/no-such-session/stop", "", "", http.StatusNotFound)
	d.errorOf("GET", "/api/v1/sessions/no-such-session", "", "", http.StatusNotFound)

	// The others run to their end.
	for _, s := range []struct {
		id     string
		trials int
	}{{s1.ID, 5}, {s3.ID, 20}} {
		done := d.waitFor(s.id, 30*time.Second, func(s session) bool { return s.Status != "running" })
		if done.Status != "ended" || done.EndReason != "max_trials" || done.Counters == nil || done.Counters.TrialsScored != s.trials {
			t.Errorf("session %s ended %+v", s.id, done)
		}
		if done.Measures == nil || len(done.Attempts) != done.Counters.Attempts {
			t.Errorf("session %s: measures %+v, %d attempts of %d", s.id, done.Measures, len(done.Attempts), done.Counters.Attempts)
		}
	}

	// Lists and filters.
	count := func(query string) int {
		t.Helper()
		var list struct{ Sessions []session }
		if got := d.do("GET", "/api/v1/sessions"+query, "", "", &list); got != http.StatusOK {
			t.Fatalf("list %s: %d", query, got)
		}
		return len(list.Sessions)
	}
	today := time.Now().Format(time.DateOnly)
	tomorrow := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	for query, want := range map[string]int{
		"":                                3,
		"?subject=R01":                    1,
		"?subject=R04&condition=baseline": 1,
		"?chamber=box2":                   1,
		"?from=" + today:                  3,
		"?to=" + today:                    3,
		"?from=" + tomorrow:               0,
		"?status=ended&limit=2":           2,
	} {
		if got := count(query); got != want {
			t.Errorf("sessions%s: %d, want %d", query, got, want)
		}
	}
	d.errorOf("GET", "/api/v1/sessions?from=yesterday", "", "", http.StatusBadRequest)

	if logs := d.logs.String(); strings.Contains(logs, token) || strings.Contains(logs, "wrong-token") {
		t.Error("the log shows a token")
	}
	if !strings.Contains(d.logs.String(), "session started") {
		t.Error("no session start in the log")
	}
}
