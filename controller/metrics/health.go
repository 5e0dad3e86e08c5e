package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fivechoice/fivechoice/protocols"
)

// The series the shipped alert rules (deploy/prometheus/fivechoice-alerts.yml) watch
// besides the counters and histograms: whether a chamber is halted by a
// fault, and how long a running session's rat has been silent.
var (
	descFaulted = prometheus.NewDesc(namespace+"_chamber_faulted",
		"1 while the chamber's hardware is missing (checked every few seconds), or while it is idle after its last session was aborted by a fault (hardware, recording), until a session starts on it again; else 0.",
		[]string{"chamber"}, nil)
	descSinceInput = prometheus.NewDesc(namespace+"_session_seconds_since_input",
		"Seconds since the running session's rat last broke or restored a beam (since the session started, before its first input).",
		[]string{"chamber"}, nil)
)

// healthCollector reads the chambers from the supervisor at each scrape,
// like liveCollector.
type healthCollector struct {
	live Live
	now  func() time.Time
}

func (c *healthCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descFaulted
	ch <- descSinceInput
}

func (c *healthCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	for _, st := range c.live.Chambers() {
		faulted := 0.0
		if st.State == "faulted" || (st.State != "running" && st.Last != nil && st.Last.EndReason == protocols.EndAborted) {
			faulted = 1
		}
		ch <- prometheus.MustNewConstMetric(descFaulted, prometheus.GaugeValue, faulted, st.Name)
		if st.State != "running" || st.StartedAt == nil {
			continue
		}
		last := *st.StartedAt
		if st.LastInputAt != nil && st.LastInputAt.After(last) {
			last = *st.LastInputAt
		}
		ch <- prometheus.MustNewConstMetric(descSinceInput, prometheus.GaugeValue, max(0, now.Sub(last).Seconds()), st.Name)
	}
}
