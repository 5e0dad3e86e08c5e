package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fivechoice/fivechoice/storage"
)

// Store is the storage writer, whose queue and health are read at each
// scrape.
type Store interface {
	QueueLen() int
	Err() error
	Status() storage.WriterStatus
}

// storeGauges are the writer's health, read at each scrape: how far commits
// lag behind the sessions (what a power cut now would cost), since when
// nothing was committed, how much waits, and whether the lag passed the
// configured warning bound (commit_lag_warning) or writing failed.
func storeGauges(store Store) []prometheus.Collector {
	gauge := func(name, help string, f func(storage.WriterStatus) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help},
			func() float64 { return f(store.Status()) })
	}
	flag := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	return []prometheus.Collector{
		gauge("storage_queue_length", "Writes waiting for the storage writer to take them (a full queue ends the real-time sessions writing to it).",
			func(storage.WriterStatus) float64 { return float64(store.QueueLen()) }),
		gauge("storage_rows_waiting", "Writes (events, attempt updates, session rows) queued or in the open transaction, not yet committed.",
			func(s storage.WriterStatus) float64 { return float64(s.Waiting) }),
		gauge("storage_commit_lag_current_seconds", "Age of the oldest write not yet committed (0 when none waits): what a power cut now would lose of each running session.",
			func(s storage.WriterStatus) float64 { return s.Lag.Seconds() }),
		gauge("storage_seconds_since_commit", "Seconds since the last successful storage commit.",
			func(s storage.WriterStatus) float64 { return s.SinceCommit.Seconds() }),
		gauge("storage_commit_lagging", "1 while the commit lag is past commit_lag_warning (the daemon is degraded; sessions go on), else 0.",
			func(s storage.WriterStatus) float64 { return flag(s.Lagging) }),
		gauge("storage_failed", "1 while the database cannot be written (the last batch could not be committed and nothing has been since), else 0.",
			func(s storage.WriterStatus) float64 { return flag(s.Failing != nil) }),
	}
}
