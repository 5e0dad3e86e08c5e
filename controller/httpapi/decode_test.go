package httpapi

import "testing"

// TestRepeatedKey: a key given twice in any object, in any spelling that
// encoding/json would match to the same field, is found with its path;
// the same key in sibling objects is not a repeat.
func TestRepeatedKey(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"iti": "5s", "sd": "1s"}`, ""},
		{`{"iti": "5s", "iti": "7s"}`, "iti"},
		{`{"iti": "5s", "ITI": "7s"}`, "ITI"},
		{`{"params": {"iti": "5s", "Iti": "7s"}}`, "params.Iti"},
		{`{"a": [{"x": 1}, {"x": 2}], "b": {"x": 3}}`, ""},
		{`{"a": [{"x": 1}, {"x": 2, "X": 3}]}`, "a[1].X"},
		{`{"a": {"b": 1}, "A": 2}`, "A"},
		{`[1, 2, {"k": 1, "k": 2}]`, "[2].k"},
		{`"text"`, ""},
	} {
		if got := repeatedKey([]byte(tc.doc)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.doc, got, tc.want)
		}
	}
}
