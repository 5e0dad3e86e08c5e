package main

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/fivechoice/fivechoice/training"
)

// checkExportedChanges recomputes every recorded advance and fall-back
// from the exported CSV alone (export --what training, sessions, trials),
// as an analyst outside the project would: the sessions that decided it
// are the last counted ones under the change before, and each must meet
// the stage's criteria by its exported measures.
func checkExportedChanges(t *testing.T, dir, db string) {
	t.Helper()
	rows := map[string][]map[string]string{}
	for _, what := range []string{"training", "sessions", "trials"} {
		out := filepath.Join(dir, what+".csv")
		if _, errOut, code := fivechoice(t, dir, "export", "--db", db, "--what", what, "--out", out); code != 0 {
			t.Fatalf("export %s: %s", what, errOut)
		}
		rows[what] = readCSV(t, out)
	}
	pellets := map[string]float64{} // magazine sessions: pellets collected, from the trials
	for _, a := range rows["trials"] {
		if _, err := strconv.ParseFloat(a["reward_latency_ms"], 64); err == nil {
			pellets[a["session_id"]]++
		}
	}
	measure := func(s map[string]string, name string) (float64, bool) {
		switch name {
		case "pellets_collected":
			if n, _ := strconv.ParseFloat(s["rewards_collected"], 64); n != pellets[s["session_id"]] {
				t.Errorf("session %s: rewards_collected %s, %v from its trials", s["session_id"], s["rewards_collected"], pellets[s["session_id"]])
			}
			return pellets[s["session_id"]], true
		case "collection_latency_mean_s":
			v, err := strconv.ParseFloat(s["reward_latency_mean_ms"], 64)
			return v / 1000, err == nil
		}
		v, err := strconv.ParseFloat(s[name], 64)
		return v, err == nil
	}
	prog := training.Builtin()
	previous := map[string]string{} // subject: its latest change id
	checked := 0
	for _, c := range rows["training"] {
		under := previous[c["subject"]]
		previous[c["subject"]] = c["change"]
		if c["action"] != training.Advance && c["action"] != training.FallBack {
			continue
		}
		st, _, err := prog.Stage(c["from_stage"])
		if err != nil {
			t.Fatal(err)
		}
		criteria, k := st.Advance, st.Sessions
		if c["action"] == training.FallBack {
			criteria, k = st.FallBack, st.FallBackSessions
		}
		var counted []map[string]string
		for _, s := range rows["sessions"] {
			if s["training_change"] == under && (s["end_reason"] == "max_trials" || s["end_reason"] == "time_limit") && s["excluded"] == "0" {
				counted = append(counted, s)
			}
			if s["session_id"] == c["session_id"] {
				break
			}
		}
		if len(counted) < k || counted[len(counted)-1]["session_id"] != c["session_id"] {
			t.Errorf("change %s (%s %s -> %s): %d counted sessions under change %s ending with its session", c["change"], c["subject"], c["from_stage"], c["to_stage"], len(counted), under)
			continue
		}
		for _, s := range counted[len(counted)-k:] {
			for _, cr := range criteria {
				if v, ok := measure(s, cr.Measure); !cr.Met(v, ok) {
					t.Errorf("change %s (%s %s): session %s has %s = %v, yet the criterion %s was recorded as met", c["change"], c["subject"], c["action"], s["session_id"], cr.Measure, v, cr)
				}
			}
		}
		checked++
	}
	if checked == 0 {
		t.Error("no advance or fall-back in the export to check")
	}
}
