package scenario

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzScenario feeds arbitrary bytes to the scenario reader and runs what
// it accepts: bad files must be refused with an error, never a panic, and
// accepted ones must run to a report whose counters add up.
func FuzzScenario(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "scenarios", "*.json"))
	for i, path := range files {
		if i%6 != 0 { // a spread of real files
			continue
		}
		if b, err := os.ReadFile(path); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"name":"x","end_ms":100,"actions":[{"t_ms":0,"kind":"magazine"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := Parse(b)
		if err != nil {
			return
		}
		if sc.End > 3_600_000_000_000 || len(sc.Script) > 2000 {
			return // keep each run short
		}
		out, err := Run(sc)
		if err != nil {
			return // e.g. a scripted list running dry: reported, not a crash
		}
		c := out.Counters
		if c.TrialsScored != c.Correct+c.Incorrect+c.Omissions || c.Attempts != len(out.Trials) {
			t.Errorf("counters do not add up: %+v with %d trial rows", c, len(out.Trials))
		}
		if _, err := Check(sc, out); err != nil {
			t.Errorf("check failed on a run it produced: %v", err)
		}
	})
}
