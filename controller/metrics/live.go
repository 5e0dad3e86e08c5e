package metrics

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fivechoice/fivechoice/controller"
)

// Live is where the running sessions are read from at each scrape: the
// supervisor.
type Live interface {
	Chambers() []controller.ChamberStatus
}

// Watch exports the live state of the chambers and the storage writer.
// It is separate from New because the supervisor needs the metrics'
// Observer before it exists.
func (m *Metrics) Watch(live Live, store Store) error {
	for _, c := range append(storeGauges(store), &liveCollector{live: live}) {
		if err := m.reg.Register(c); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	return m.reg.Register(&healthCollector{live: live, now: time.Now}) // alerts' series
}

var (
	descRunning = prometheus.NewDesc(namespace+"_sessions_running",
		"Sessions running on the chamber (0 or 1).", []string{"chamber"}, nil)
	descInfo = prometheus.NewDesc(namespace+"_session_info",
		"The running session of a chamber, always 1: join on chamber to label other series with the subject, condition and protocol.",
		[]string{"chamber", "subject", "condition", "protocol", "session_id"}, nil)
	descAccuracy = prometheus.NewDesc(namespace+"_session_accuracy_ratio",
		"Accuracy of the running session so far: correct / (correct + incorrect); absent while undefined.", []string{"chamber"}, nil)
	descOmissions = prometheus.NewDesc(namespace+"_session_omission_ratio",
		"Omissions of the running session so far: omissions / trials scored; absent while undefined.", []string{"chamber"}, nil)
	descAttempt = prometheus.NewDesc(namespace+"_session_attempts",
		"Attempts begun in the running session so far.", []string{"chamber"}, nil)
	descTrials = prometheus.NewDesc(namespace+"_session_trials_scored",
		"Trials scored (correct, incorrect or omission) in the running session so far.", []string{"chamber"}, nil)
)

// liveCollector reads the running sessions from the supervisor at each
// scrape. Their series exist only while they run, which is why they are
// not kept in gauges that someone would have to remember to delete.
type liveCollector struct{ live Live }

func (c *liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRunning, descInfo, descAccuracy, descOmissions, descAttempt, descTrials} {
		ch <- d
	}
}

func (c *liveCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.live.Chambers() {
		running := 0.0
		if st.State == "running" {
			running = 1
		}
		ch <- prometheus.MustNewConstMetric(descRunning, prometheus.GaugeValue, running, st.Name)
		if running == 0 {
			continue
		}
		ch <- prometheus.MustNewConstMetric(descInfo, prometheus.GaugeValue, 1, st.Name, st.Subject, st.Condition, st.Protocol, st.SessionID)
		ch <- prometheus.MustNewConstMetric(descAttempt, prometheus.GaugeValue, float64(st.Attempt), st.Name)
		if st.Counters != nil {
			ch <- prometheus.MustNewConstMetric(descTrials, prometheus.GaugeValue, float64(st.Counters.TrialsScored), st.Name)
		}
		if m := st.Measures; m != nil {
			if m.AccuracyPct != nil {
				ch <- prometheus.MustNewConstMetric(descAccuracy, prometheus.GaugeValue, *m.AccuracyPct/100, st.Name)
			}
			if m.OmissionsPct != nil {
				ch <- prometheus.MustNewConstMetric(descOmissions, prometheus.GaugeValue, *m.OmissionsPct/100, st.Name)
			}
		}
	}
}
