package metrics

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/internal/testenv"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

type fakeLive []controller.ChamberStatus

func (f fakeLive) Chambers() []controller.ChamberStatus { return f }

type fakeStore struct {
	n   int
	err error
}

func (s fakeStore) QueueLen() int { return s.n }
func (s fakeStore) Err() error    { return s.err }
func (s fakeStore) Status() storage.WriterStatus {
	return storage.WriterStatus{Waiting: s.n + 2, Lag: 4 * time.Second, LagWarning: 3 * time.Second, Lagging: true, SinceCommit: time.Second}
}

func pct(v float64) *float64 { return &v }

// sample returns metrics that have seen a bit of everything: one chamber
// running a session that observed inputs, outcomes, transitions and lost
// inputs, one idle chamber, a commit and a hardware error.
func sample(t *testing.T) *Metrics {
	t.Helper()
	m := New("test", []string{"box1", "box2"})
	live := fakeLive{
		{Name: "box1", State: "running", SessionID: "0197-abc", Subject: "R01", Condition: "vehicle", Protocol: "baseline",
			Attempt: 7, Counters: &protocols.Counters{TrialsScored: 6}, Measures: &protocols.Measures{AccuracyPct: pct(80), OmissionsPct: pct(25)}},
		{Name: "box2", State: "idle"},
	}
	if err := m.Watch(live, fakeStore{n: 3}); err != nil {
		t.Fatal(err)
	}
	m.SetRealtimePriority(10)
	o := m.Observer("box1", controller.Plan{}, "0197-abc")
	o.Input(protocols.ClassCorrect, 450*time.Millisecond)
	o.Input(protocols.ClassIncorrect, 700*time.Millisecond)
	o.Input(protocols.ClassCollection, 1200*time.Millisecond)
	o.Input(protocols.ClassPremature, 3*time.Second)
	o.Input(protocols.ClassPremature, protocols.None) // a second premature: no latency
	o.Input(protocols.ClassPerseverative, protocols.None)
	o.Input(protocols.ClassTimeoutResponse, protocols.None)
	o.Input(protocols.ClassMagazine, protocols.None)
	o.Outcome(protocols.Attempt{N: 1, Outcome: protocols.Correct})
	o.Outcome(protocols.Attempt{N: 2, Outcome: protocols.Omission})
	o.Transition("stimulus_onset", 80*time.Microsecond)
	o.Transition("window_close", 2*time.Millisecond)
	o.Transition("something_new", time.Millisecond)
	o.LostInputs(2)
	m.HardwareError("box2", errors.New("cable pulled"))
	m.ObserveCommit(3*time.Millisecond, 120, 80*time.Millisecond)
	return m
}

// value finds one series' value (a histogram's count) by name and labels.
func value(t *testing.T, m *Metrics, name string, labels ...string) (float64, bool) {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	series:
		for _, s := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range s.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue series
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return s.GetCounter().GetValue(), true
			case dto.MetricType_GAUGE:
				return s.GetGauge().GetValue(), true
			case dto.MetricType_HISTOGRAM:
				return float64(s.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	m := sample(t)
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"fivechoice_sessions_started_total", []string{"chamber", "box1"}, 1},
		{"fivechoice_sessions_running", []string{"chamber", "box1"}, 1},
		{"fivechoice_sessions_running", []string{"chamber", "box2"}, 0},
		{"fivechoice_session_info", []string{"chamber", "box1", "subject", "R01", "condition", "vehicle", "protocol", "baseline", "session_id", "0197-abc"}, 1},
		{"fivechoice_session_accuracy_ratio", []string{"chamber", "box1"}, 0.8},
		{"fivechoice_session_omission_ratio", []string{"chamber", "box1"}, 0.25},
		{"fivechoice_session_attempts", []string{"chamber", "box1"}, 7},
		{"fivechoice_session_trials_scored", []string{"chamber", "box1"}, 6},
		{"fivechoice_attempts_total", []string{"chamber", "box1", "outcome", "correct"}, 1},
		{"fivechoice_attempts_total", []string{"chamber", "box1", "outcome", "omission"}, 1},
		{"fivechoice_attempts_total", []string{"chamber", "box2", "outcome", "premature"}, 0},
		{"fivechoice_responses_total", []string{"chamber", "box1", "kind", "premature"}, 2},
		{"fivechoice_responses_total", []string{"chamber", "box1", "kind", "perseverative"}, 1},
		{"fivechoice_responses_total", []string{"chamber", "box1", "kind", "timeout"}, 1},
		{"fivechoice_response_latency_seconds", []string{"chamber", "box1", "outcome", "correct"}, 1},
		{"fivechoice_response_latency_seconds", []string{"chamber", "box1", "outcome", "incorrect"}, 1},
		{"fivechoice_reward_collection_latency_seconds", []string{"chamber", "box1"}, 1},
		{"fivechoice_premature_latency_seconds", []string{"chamber", "box1"}, 1},
		{"fivechoice_timer_lateness_seconds", []string{"chamber", "box1", "transition", "stimulus_onset"}, 1},
		{"fivechoice_timer_lateness_seconds", []string{"chamber", "box1", "transition", "other"}, 1},
		{"fivechoice_lost_input_events_total", []string{"chamber", "box1"}, 2},
		{"fivechoice_hardware_errors_total", []string{"chamber", "box2"}, 1},
		{"fivechoice_storage_commit_duration_seconds", nil, 1},
		{"fivechoice_storage_writes_total", nil, 120},
		{"fivechoice_storage_queue_length", nil, 3},
		{"fivechoice_storage_failed", nil, 0},
		{"fivechoice_storage_rows_waiting", nil, 5},
		{"fivechoice_storage_commit_lag_seconds", nil, 1},
		{"fivechoice_storage_commit_lag_current_seconds", nil, 4},
		{"fivechoice_storage_seconds_since_commit", nil, 1},
		{"fivechoice_storage_commit_lagging", nil, 1},
		{"fivechoice_build_info", []string{"version", "test"}, 1},
		{"fivechoice_realtime_priority", nil, 10},
	} {
		got, ok := value(t, m, tc.name, tc.labels...)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	for _, absent := range [][]string{
		{"fivechoice_session_info", "chamber", "box2"},
		{"fivechoice_session_accuracy_ratio", "chamber", "box2"},
	} {
		if _, ok := value(t, m, absent[0], absent[1:]...); ok {
			t.Errorf("%v present for an idle chamber", absent)
		}
	}
	if _, ok := value(t, m, "go_goroutines"); !ok {
		t.Error("no Go runtime metrics")
	}
	if _, ok := value(t, m, "process_cpu_seconds_total"); !ok {
		t.Error("no process metrics")
	}
}

// TestLatenessBucketsResolveSubMillisecond checks that an 80 µs transition
// lands below 100 µs: the buckets must be able to show a p99 under 1 ms.
func TestLatenessBucketsResolveSubMillisecond(t *testing.T) {
	m := sample(t)
	fams, _ := m.Registry().Gather()
	for _, f := range fams {
		if f.GetName() != "fivechoice_timer_lateness_seconds" {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "transition" && l.GetValue() == "stimulus_onset" {
					for _, b := range s.GetHistogram().GetBucket() {
						if b.GetUpperBound() == 100e-6 && b.GetCumulativeCount() != 1 {
							t.Errorf("le=100µs holds %d, want 1", b.GetCumulativeCount())
						}
					}
					return
				}
			}
		}
	}
	t.Fatal("no stimulus_onset lateness")
}

func TestWatchTwiceRefused(t *testing.T) {
	m := sample(t)
	if err := m.Watch(fakeLive{}, fakeStore{}); err == nil {
		t.Error("a second Watch was accepted")
	}
}

func scrape(t *testing.T, m *Metrics) []byte {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s\n%s", resp.Status, body)
	}
	return body
}

// TestPromtool runs Prometheus's own linter over the exposition: it must
// report nothing.
func TestPromtool(t *testing.T) {
	promtool := testenv.Command(t, "promtool", "prometheus")
	body := scrape(t, sample(t))
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	if !strings.Contains(string(body), "fivechoice_timer_lateness_seconds_bucket") {
		t.Error("exposition lacks the lateness histogram")
	}
}
