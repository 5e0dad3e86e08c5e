// Package metrics exposes the daemon to Prometheus: what each chamber's
// session is doing (outcomes, responses, latencies, live accuracy) and how
// well the daemon's own machinery keeps up (timer lateness, lost inputs,
// hardware errors, storage commits).
//
// Everything is registered on a private registry, never the global one, so
// that two daemons in one test process do not collide and nothing a
// library registers behind our back is exported. Names follow Prometheus
// conventions: the fivechoice_ prefix, base units (seconds, ratios 0..1),
// _total for counters, and no label whose values grow without bound: the
// chamber is a label (a lab has a few dozen), the session id appears only
// on fivechoice_session_info.
package metrics

import (
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

const namespace = "fivechoice"

// Label values. They are fixed sets, so every series can be created at
// start-up and rate() has data from the first scrape.
var (
	outcomes      = []protocols.Outcome{protocols.Correct, protocols.Incorrect, protocols.Omission, protocols.Premature, protocols.Unfinished}
	responseKinds = []string{kindPremature, kindPerseverative, kindTimeout}
)

const (
	kindPremature     = "premature"
	kindPerseverative = "perseverative"
	kindTimeout       = "timeout"
)

// Histogram buckets, in seconds.
var (
	// Timer lateness: fine below a millisecond, where a healthy daemon
	// lives (the target is p99 under 1 ms), coarse above it.
	latenessBuckets = []float64{10e-6, 20e-6, 50e-6, 100e-6, 200e-6, 300e-6, 500e-6, 750e-6, 1e-3, 2e-3, 5e-3, 10e-3, 20e-3, 50e-3, 100e-3}
	// Response latency: a trained rat answers in about half a second; the
	// limited hold of early training stages is 30 s.
	responseBuckets = []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 5, 10, 30}
	// Reward collection and premature latencies run to many seconds.
	slowBuckets = []float64{0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 20, 30, 60}
	// Storage commits: an SSD commits in a millisecond, an SD card can
	// take a second.
	commitBuckets = []float64{500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1, 2.5, 5, 10}
)

// Metrics are the daemon's metrics. Its methods may be called from any
// goroutine.
type Metrics struct {
	reg *prometheus.Registry

	started      *prometheus.CounterVec   // chamber
	attempts     *prometheus.CounterVec   // chamber, outcome
	responses    *prometheus.CounterVec   // chamber, kind
	responseLat  *prometheus.HistogramVec // chamber, outcome
	rewardLat    *prometheus.HistogramVec // chamber
	prematureLat *prometheus.HistogramVec // chamber
	lateness     *prometheus.HistogramVec // chamber, transition
	lost         *prometheus.CounterVec   // chamber
	hwErrors     *prometheus.CounterVec   // chamber
	stages       *prometheus.CounterVec   // action
	commit       prometheus.Histogram
	commitLag    prometheus.Histogram
	commitWrites prometheus.Counter
	rtPriority   prometheus.Gauge
}

// New returns the metrics of a daemon running the named chambers, with the
// Go runtime and process collectors, on a registry of its own.
func New(version string, chambers []string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	}
	histogram := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: name, Help: help, Buckets: buckets}, labels)
	}
	m.started = counter("sessions_started_total", "Sessions started, by chamber.", "chamber")
	m.attempts = counter("attempts_total", "Attempts that got their outcome (correct, incorrect, omission, premature, unfinished), by chamber.", "chamber", "outcome")
	m.responses = counter("responses_total", "Premature, perseverative and time-out responses (hole entries), by chamber.", "chamber", "kind")
	m.responseLat = histogram("response_latency_seconds", "Response latency (entry − stimulus onset) of correct and incorrect responses.", responseBuckets, "chamber", "outcome")
	m.rewardLat = histogram("reward_collection_latency_seconds", "Reward collection latency (collection − correct response).", slowBuckets, "chamber")
	m.prematureLat = histogram("premature_latency_seconds", "Latency of an attempt's first premature response from its ITI onset.", slowBuckets, "chamber")
	m.lateness = histogram("timer_lateness_seconds", "How late after its deadline each timer-driven transition (stimulus onset and offset, window close, time-out end, session end) took effect on the chamber.", latenessBuckets, "chamber", "transition")
	m.lost = counter("lost_input_events_total", "Input events lost before the runner saw them (gaps in the backend's sequence numbers).", "chamber")
	m.stages = counter("training_stage_changes_total", "Training stage changes a session's end decided (advance, fall_back; an advance at the last stage is a stable baseline), committed with the session's end.", "action")
	m.hwErrors = counter("hardware_errors_total", "Errors from a chamber's hardware: opening it, driving an output, its inputs failing.", "chamber")
	m.commit = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Name: "storage_commit_duration_seconds",
		Help: "Duration of each storage group commit, from its last write to the end of COMMIT (fsync), retries included (a slow card shows here long before it delays anything).", Buckets: commitBuckets})
	m.commitLag = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Name: "storage_commit_lag_seconds",
		Help: "How long the oldest write of each commit waited to become durable: what a power cut at the worst moment would have cost.", Buckets: commitBuckets})
	m.commitWrites = prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "storage_writes_total",
		Help: "Writes (events, attempt updates, session rows) committed to the database."})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: "build_info",
		Help: "The fivechoice version running, always 1."}, []string{"version", "goversion"})
	build.WithLabelValues(version, runtime.Version()).Set(1)

	m.rtPriority = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "realtime_priority",
		Help: "The SCHED_FIFO priority the daemon runs at; 0 is normal priority, where timer lateness grows to milliseconds while other processes keep every core busy."})

	m.reg.MustRegister(m.started, m.attempts, m.responses, m.responseLat, m.rewardLat, m.prematureLat,
		m.lateness, m.lost, m.hwErrors, m.stages, m.commit, m.commitLag, m.commitWrites, build, m.rtPriority,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.stages.WithLabelValues("advance")
	m.stages.WithLabelValues("fall_back")
	for _, ch := range chambers {
		m.started.WithLabelValues(ch)
		m.lost.WithLabelValues(ch)
		m.hwErrors.WithLabelValues(ch)
		for _, o := range outcomes {
			m.attempts.WithLabelValues(ch, o.String())
		}
		for _, k := range responseKinds {
			m.responses.WithLabelValues(ch, k)
		}
	}
	return m
}

// SetRealtimePriority records the SCHED_FIFO priority the daemon got (0:
// normal priority), so that a dashboard shows a daemon that was refused it.
func (m *Metrics) SetRealtimePriority(p int) { m.rtPriority.Set(float64(p)) }

// Registry is the private registry, for tests and for adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats, with
// the handler's own request and error counts.
func (m *Metrics) Handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:          m.reg,
		ErrorHandling:     promhttp.ContinueOnError, // a failing collector must not hide the rest
		EnableOpenMetrics: true,
	})
	return promhttp.InstrumentMetricHandler(m.reg, h)
}

// HardwareError counts an error of a chamber's hardware (wiring.Hooks).
func (m *Metrics) HardwareError(chamber string, _ error) { m.hwErrors.WithLabelValues(chamber).Inc() }

// ObserveCommit records one storage commit (storage.WithCommitObserver):
// its duration, its writes, and its lag.
func (m *Metrics) ObserveCommit(d time.Duration, writes int, lag time.Duration) {
	m.commit.Observe(d.Seconds())
	m.commitLag.Observe(lag.Seconds())
	m.commitWrites.Add(float64(writes))
}

// StageChange counts a training stage change a session's end decided
// (controller.Supervisor.OnStageChange).
func (m *Metrics) StageChange(_ string, c storage.StageChange) {
	m.stages.WithLabelValues(c.Action).Inc()
}
