package metrics

import (
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/protocols"
)

// Observer returns the observer of one session (a controller
// ObserverFactory). Its series are looked up once here, so that the
// runner's goroutine, which calls it between a deadline and the next
// stimulus light, only adds to counters.
func (m *Metrics) Observer(chamber string, _ controller.Plan, _ string) controller.Observer {
	m.started.WithLabelValues(chamber).Inc()
	o := &observer{
		premature:     m.responses.WithLabelValues(chamber, kindPremature),
		perseverative: m.responses.WithLabelValues(chamber, kindPerseverative),
		timeout:       m.responses.WithLabelValues(chamber, kindTimeout),
		correctLat:    m.responseLat.WithLabelValues(chamber, protocols.Correct.String()),
		incorrectLat:  m.responseLat.WithLabelValues(chamber, protocols.Incorrect.String()),
		rewardLat:     m.rewardLat.WithLabelValues(chamber),
		prematureLat:  m.prematureLat.WithLabelValues(chamber),
		lost:          m.lost.WithLabelValues(chamber),
	}
	for _, oc := range outcomes {
		o.outcomes[oc] = m.attempts.WithLabelValues(chamber, oc.String())
	}
	for i, t := range transitionNames {
		o.lateness[i] = m.lateness.WithLabelValues(chamber, t)
	}
	return o
}

// observer is one session's controller.Observer. The session's live
// ratios and its info series are not kept here: the live collector reads
// them from the supervisor at each scrape, so they vanish with the session
// and can never go stale.
type observer struct {
	outcomes                                          [protocols.Unfinished + 1]prometheus.Counter
	premature, perseverative, timeout                 prometheus.Counter
	correctLat, incorrectLat, rewardLat, prematureLat prometheus.Observer
	lateness                                          [len(transitionNames)]prometheus.Observer
	lost                                              prometheus.Counter
}

// transitionNames are the timer-driven changes of state the runner names
// (controller.Observer.Transition); any other name counts as "other".
var transitionNames = [...]string{"stimulus_onset", "stimulus_offset", "window_close", "timeout_end", "session_end", "other"}

func (o *observer) Input(class protocols.Class, latency time.Duration) {
	switch class {
	case protocols.ClassPremature:
		o.premature.Inc()
		observe(o.prematureLat, latency)
	case protocols.ClassPerseverative:
		o.perseverative.Inc()
	case protocols.ClassTimeoutResponse:
		o.timeout.Inc()
	case protocols.ClassCorrect:
		observe(o.correctLat, latency)
	case protocols.ClassIncorrect:
		observe(o.incorrectLat, latency)
	case protocols.ClassCollection:
		observe(o.rewardLat, latency)
	}
}

// observe records a latency that applies (protocols.None does not).
func observe(h prometheus.Observer, d time.Duration) {
	if d != protocols.None {
		h.Observe(d.Seconds())
	}
}

func (o *observer) Outcome(a protocols.Attempt) {
	if int(a.Outcome) < len(o.outcomes) && o.outcomes[a.Outcome] != nil {
		o.outcomes[a.Outcome].Inc()
	}
}

func (o *observer) Transition(kind string, lateness time.Duration) {
	i := slices.Index(transitionNames[:], kind)
	if i < 0 {
		i = len(transitionNames) - 1 // other
	}
	o.lateness[i].Observe(lateness.Seconds())
}

func (o *observer) LostInputs(n uint64) { o.lost.Add(float64(n)) }
