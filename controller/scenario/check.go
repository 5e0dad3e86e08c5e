package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Tolerance is how close a number must be to its expectation (the scenario
// format compares percentages and latencies to 0.01).
const Tolerance = 0.01

// Check compares a run's output with the file's expectations and returns
// the differences, one line each; none means the scenario passes. Only the
// keys the expectation gives are compared; trial rows are matched by n and
// must be as many as expected; checkpoints are matched by t_ms.
func Check(f *File, out *Output) ([]string, error) {
	if f.Expect == nil {
		return nil, nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	var got, want map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(f.Expect, &want); err != nil {
		return nil, err
	}
	var diffs []string
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch k {
		case "trials":
			diffs = append(diffs, compareRows(k, "n", want[k], got[k], true)...)
		case "outputs":
			diffs = append(diffs, compareRows(k, "t_ms", want[k], got[k], false)...)
		default:
			diffs = append(diffs, compare(k, want[k], got[k])...)
		}
	}
	return diffs, nil
}

// compareRows matches expected rows to actual ones by a key field.
func compareRows(path, key string, want, got any, sameCount bool) []string {
	wl, ok := want.([]any)
	if !ok {
		return []string{fmt.Sprintf("%s: expectation is not a list", path)}
	}
	gl, _ := got.([]any)
	var diffs []string
	if sameCount && len(wl) != len(gl) {
		diffs = append(diffs, fmt.Sprintf("%s: got %d rows, want %d", path, len(gl), len(wl)))
	}
	for i, w := range wl {
		wm, ok := w.(map[string]any)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s[%d]: expectation is not an object", path, i))
			continue
		}
		var g map[string]any
		if kv, has := wm[key]; has {
			for _, r := range gl {
				if rm, _ := r.(map[string]any); rm != nil && equal(rm[key], kv) {
					g = rm
					break
				}
			}
		} else if i < len(gl) {
			g, _ = gl[i].(map[string]any)
		}
		where := fmt.Sprintf("%s[%s=%v]", path, key, wm[key])
		if g == nil {
			diffs = append(diffs, fmt.Sprintf("%s: no such row", where))
			continue
		}
		diffs = append(diffs, compare(where, w, g)...)
	}
	return diffs
}

// compare reports where got differs from want, looking only at the keys
// want has.
func compare(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %s, want an object", path, show(got))}
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var diffs []string
		for _, k := range keys {
			gv, has := g[k]
			if !has {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing from the output", path, k))
				continue
			}
			diffs = append(diffs, compare(path+"."+k, w[k], gv)...)
		}
		return diffs
	case []any:
		g, ok := got.([]any)
		if ok && path[len(path)-len("stimulus"):] == "stimulus" {
			return compareSet(path, w, g)
		}
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: got %s, want %s", path, show(got), show(want))}
		}
		var diffs []string
		for i := range w {
			diffs = append(diffs, compare(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return diffs
	}
	if !equal(want, got) {
		return []string{fmt.Sprintf("%s: got %s, want %s", path, show(got), show(want))}
	}
	return nil
}

func compareSet(path string, want, got []any) []string {
	ws, gs := floats(want), floats(got)
	if !slices.Equal(ws, gs) {
		return []string{fmt.Sprintf("%s: got %s, want %s", path, show(got), show(want))}
	}
	return nil
}

func floats(l []any) []float64 {
	var out []float64
	for _, v := range l {
		if f, ok := v.(float64); ok {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

func equal(want, got any) bool {
	wf, wok := want.(float64)
	gf, gok := got.(float64)
	if wok && gok {
		return math.Abs(wf-gf) <= Tolerance+1e-9
	}
	return want == got
}

func show(v any) string {
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
