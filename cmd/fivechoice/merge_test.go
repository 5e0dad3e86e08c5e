package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyFile copies a closed database file (and its WAL, if one is left).
func copyFile(t *testing.T, dir, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(filepath.Join(dir, from+suffix))
		if os.IsNotExist(err) && suffix != "" {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dir, to+suffix))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		out.Close()
	}
}

// TestMergeCorrectedSubject: two chamber PCs' files, R01 corrected from
// male to female on one, merged both ways with 'fivechoice merge': both
// come out female with the correction in their history. A difference no
// correction explains is refused naming the subject, the field and both
// values, and --prefer settles it.
func TestMergeCorrectedSubject(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		out, errOut, code := fivechoice(t, dir, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	for i, host := range []string{"a.db", "b.db"} {
		run("subject", "add", "R01", "--sex", "male", "--db", host)
		run("run", "--db", host, "--subject", "R01", "--condition", "vehicle", "--protocol", "baseline", "--chamber", "sim", "--seed", string(rune('1'+i)))
	}
	run("subject", "edit", "R01", "--sex", "F", "--by", "ana", "--why", "sexed wrong at arrival", "--db", "a.db")
	copyFile(t, dir, "a.db", "a-copy.db")
	copyFile(t, dir, "b.db", "b-copy.db")
	for _, m := range [][2]string{{"a.db", "b-copy.db"}, {"b.db", "a-copy.db"}} {
		out := run("merge", "--into", m[0], m[1])
		if !strings.Contains(out, "1 sessions added") {
			t.Errorf("merge into %s: %s", m[0], out)
		}
		var subs []struct{ ID, Sex string }
		if err := json.Unmarshal([]byte(run("subject", "list", "--json", "--db", m[0])), &subs); err != nil || len(subs) != 1 || subs[0].Sex != "female" {
			t.Errorf("%s after the merge: %+v %v", m[0], subs, err)
		}
		if h := run("subject", "history", "R01", "--db", m[0]); !strings.Contains(h, "sexed wrong at arrival") {
			t.Errorf("%s history:\n%s", m[0], h)
		}
	}
	run("subject", "add", "R01", "--strain", "LH", "--db", "c.db")
	_, errOut, code := fivechoice(t, dir, "merge", "--into", "a.db", "c.db")
	if code == 0 || !strings.Contains(errOut, `subject R01: strain is "" here and "LH" in c.db`) || !strings.Contains(errOut, "--prefer this|other") {
		t.Errorf("unexplained difference: exit %d: %s", code, errOut)
	}
	if out := run("merge", "--into", "a.db", "--prefer", "other", "--by", "ana", "c.db"); !strings.Contains(out, `settled: subject R01: strain is "" here and "LH" in c.db: "LH" by --prefer other`) {
		t.Errorf("--prefer other: %s", out)
	}
}
