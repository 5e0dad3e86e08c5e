package metrics

import (
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/protocols"
)

// TestHealthSeries checks the two series the alert rules watch: a chamber
// idle after an aborted session is faulted until a session runs on it
// again (a stopped one is not), and the silence of a running session's rat
// counts from its last input, or from the start before the first.
func TestHealthSeries(t *testing.T) {
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	at := func(ago time.Duration) *time.Time { v := now.Add(-ago); return &v }
	live := fakeLive{
		{Name: "quiet", State: "running", StartedAt: at(20 * time.Minute), LastInputAt: at(7 * time.Minute)},
		{Name: "fresh", State: "running", StartedAt: at(90 * time.Second)},
		{Name: "broken", State: "idle", Last: &controller.LastSession{EndReason: protocols.EndAborted, Error: "serial: board gone"}},
		{Name: "stopped", State: "idle", Last: &controller.LastSession{EndReason: protocols.EndStopped}},
		{Name: "again", State: "running", StartedAt: at(time.Second), LastInputAt: at(0),
			Last: &controller.LastSession{EndReason: protocols.EndAborted}},
	}
	m := New("test", nil)
	if err := m.reg.Register(&healthCollector{live: live, now: func() time.Time { return now }}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, chamber string
		want          float64
		present       bool
	}{
		{"fivechoice_chamber_faulted", "broken", 1, true},
		{"fivechoice_chamber_faulted", "stopped", 0, true},
		{"fivechoice_chamber_faulted", "again", 0, true},
		{"fivechoice_chamber_faulted", "quiet", 0, true},
		{"fivechoice_session_seconds_since_input", "quiet", 420, true},
		{"fivechoice_session_seconds_since_input", "fresh", 90, true},
		{"fivechoice_session_seconds_since_input", "again", 0, true},
		{"fivechoice_session_seconds_since_input", "broken", 0, false},
	} {
		got, ok := value(t, m, tc.name, "chamber", tc.chamber)
		if ok != tc.present || got != tc.want {
			t.Errorf("%s{chamber=%q} = %v (present %v), want %v (present %v)", tc.name, tc.chamber, got, ok, tc.want, tc.present)
		}
	}
}
