package web

import (
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/storage"
)

// TestSquads lays a day out: each chamber's next rat is its first entry
// not started, startable only today and only while the chamber is idle,
// and none while one of its rats runs.
func TestSquads(t *testing.T) {
	e := func(chamber string, squad int, session, status, end string) storage.RunEntry {
		return storage.RunEntry{Chamber: chamber, Squad: squad, Subject: chamber + "-" + string(rune('0'+squad)), Session: session, Status: status, EndReason: end}
	}
	entries := []storage.RunEntry{
		e("box1", 1, "s1", storage.StatusEnded, "max_trials"), e("box1", 2, "s2", storage.StatusEnded, "stopped"), e("box1", 3, "", "", ""),
		e("box2", 1, "s3", storage.StatusRunning, ""), e("box2", 2, "", "", ""),
		e("box3", 2, "", "", ""), e("box3", 3, "", "", ""),
	}
	entries[5].Elsewhere = "s9" // box3's squad-2 rat ran today from the grid: its squad 3 is next
	chambers := []string{"box1", "box2", "box3"}
	for _, tc := range []struct {
		name  string
		idle  map[string]bool
		today bool
		want  [3][3]string // squad by chamber: state, with + when startable
	}{
		{"today, all idle", map[string]bool{"box1": true, "box2": true, "box3": true}, true,
			[3][3]string{{"ran", "running", ""}, {"failed", "planned", "elsewhere"}, {"next+", "", "next+"}}},
		{"today, box1 busy", map[string]bool{"box3": true}, true,
			[3][3]string{{"ran", "running", ""}, {"failed", "planned", "elsewhere"}, {"next", "", "next+"}}},
		{"another day", map[string]bool{"box1": true, "box3": true}, false,
			[3][3]string{{"ran", "running", ""}, {"failed", "planned", "elsewhere"}, {"next", "", "next"}}},
	} {
		got := squads(entries, chambers, tc.idle, tc.today)
		for i := range 3 {
			for j := range 3 {
				c := got[i][j]
				s := c.State
				if c.Startable {
					s += "+"
				}
				if s != tc.want[i][j] {
					t.Errorf("%s: squad %d, %s: %q, want %q", tc.name, i+1, chambers[j], s, tc.want[i][j])
				}
			}
		}
	}
}

// TestHours formats washouts as a lab writes them.
func TestHours(t *testing.T) {
	for d, want := range map[time.Duration]string{48 * time.Hour: "48h", 30 * time.Minute: "30m", 47*time.Hour + 59*time.Minute + 40*time.Second: "48h",
		25*time.Hour + 5*time.Minute: "25h 5m"} {
		if got := hours(d); got != want {
			t.Errorf("hours(%v) = %q, want %q", d, got, want)
		}
	}
}
