package main

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/firmware/avrsim"
	"github.com/fivechoice/fivechoice/hardware"
)

// TestServeOnEmulatedAVR runs the daemon as a lab would, on a serial
// chamber whose board is the reference firmware on an emulated Arduino Uno
// (simavr, paced to the wall clock, its UART on a pty at 115200 baud), next
// to a simulated chamber, with a scripted subject that pokes each lit hole
// and enters the lit magazine:
//
//   - a 10-trial session ends max_trials; every input the subject made is
//     recorded, in order, within 1 ms of the cycle its pin changed at, and
//     every output the protocol switched is recorded where the board's pin
//     changed (the board times converted to session time through one
//     offset, the median over the session's outputs), never before the
//     protocol asked for it; pellet pulses last 50 ms on the board; the
//     sync line pulses 10 ms at the start and after every stimulus onset,
//     each pulse followed by its barcode (0, then the attempt numbers),
//     read off the board's pin (avr_sync_test.go);
//   - in a second session the board is killed (kill -9 of the emulator,
//     like a pulled USB cable): that session ends aborted with the port
//     named, everything recorded before is kept, and the simulated chamber
//     runs on.
func TestServeOnEmulatedAVR(t *testing.T) {
	avrsim.Need(t)
	kit, err := avrsim.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Log(kit.Sizes)
	sim, err := avrsim.Start(avrsim.Options{Board: avrsim.Uno, ELF: kit.ELF(avrsim.Uno), Harness: kit.Harness, Log: logWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Kill()
	subject := &pokingSubject{sim: sim}
	sim.Subscribe(subject.output)

	dir := t.TempDir()
	d := startDaemon(t, dir, "--config", avrConfig(t, dir, sim.Path()))
	for _, s := range []string{"R01", "R02"} {
		d.post("/api/v1/subjects", `{"id": "`+s+`"}`, nil)
	}
	simSession := d.startSession("sim", "R02", `"params": {"max_trials": 10000, "max_duration": "10h"}`)

	// A whole session on the board.
	first := len(sim.Changes())
	short := d.startSession("avr", "R01", `"seed": 11, "params": {"max_trials": 10, "iti": "1s"}`)
	if s, ok := d.waitEnded(short, 2*time.Minute); !ok || s.EndReason != "max_trials" || s.Error != "" {
		t.Fatalf("session on the emulated board: %+v; chamber %+v; the board's last pins:\n%s\n%s", s, d.chamber("avr"), lastPins(sim), d.logs())
	}
	time.Sleep(300 * time.Millisecond) // the chamber's Close halts the board
	session1 := sim.Changes()[first:]

	// A session whose board dies in its third trial.
	second := len(sim.Changes())
	killed := d.startSession("avr", "R01", `"seed": 12, "params": {"max_trials": 10000, "iti": "1s"}`)
	if !subject.waitOnsets(3) {
		t.Fatalf("the second session did not reach its third stimulus; chamber %+v; the board's last pins:\n%s\n%s", d.chamber("avr"), lastPins(sim), d.logs())
	}
	time.Sleep(50 * time.Millisecond) // the onset's ACK reaches the host: nothing unrecorded
	simBefore := d.chamber("sim")
	sim.Kill()
	session2 := sim.Changes()[second:]
	s, ok := d.waitEnded(killed, 30*time.Second)
	if !ok {
		t.Fatalf("the session whose board was killed is still %q\n%s", s.Status, d.logs())
	}
	if s.EndReason != "aborted" || !strings.Contains(s.Error, "disconnected") || !strings.Contains(s.Error, sim.Path()) {
		t.Errorf("session whose board was killed: %s %q, want aborted, the board disconnected from %s", s.EndReason, s.Error, sim.Path())
	}
	for deadline := time.Now().Add(30 * time.Second); d.chamber("sim").Attempt <= simBefore.Attempt; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the simulated chamber stopped at attempt %d when the board died", simBefore.Attempt)
		}
	}
	if st := d.chamber("sim"); st.State != "running" || st.SessionID != simSession {
		t.Errorf("simulated chamber after the board died: %+v", st)
	}
	var stopped struct {
		EndReason string `json:"end_reason"`
	}
	if code := d.post("/api/v1/sessions/"+simSession+"/stop", "", &stopped); code != http.StatusOK || stopped.EndReason != "stopped" {
		t.Errorf("stop the simulated session: HTTP %d %+v", code, stopped)
	}
	if code := d.signal(syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM: exit %d\n%s", code, d.logs())
	}

	if lags := sim.Lags(); len(lags) > 0 {
		t.Logf("the machine stalled the emulated board (it caught up): %v", lags)
	}
	events := exportEvents(t, dir)
	checkOnBoard(t, sim, events[short], session1, true)
	if len(events[killed]) == 0 {
		t.Fatal("nothing recorded of the session whose board was killed")
	}
	checkOnBoard(t, sim, events[killed], session2, false)
}

// avrConfig writes the daemon's configuration: the serial chamber "avr"
// on the board's port, the simulated chamber "sim" paced 10 times faster
// than real time.
func avrConfig(t *testing.T, dir, port string) string {
	cfg := fmt.Sprintf("database: fivechoice.db\nlisten: 127.0.0.1:0\ntoken: %s\nlog: {level: info, format: json}\ncommit_interval: 50ms\n"+
		"chambers:\n  - {name: avr, backend: serial, serial: {port: %s, baud: 115200, sync: true}, barcode: {bit: 20ms}}\n  - {name: sim, backend: sim, sim: {speed: 10}}\n",
		e2eToken, port)
	path := filepath.Join(dir, "fivechoice.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pokingSubject pokes each lit hole and enters the lit magazine, with a
// latency that varies from response to response.
type pokingSubject struct {
	sim    *avrsim.Sim
	mu     sync.Mutex
	n      int
	onsets int
}

func (s *pokingSubject) output(c avrsim.Change) {
	o, ok := avrsim.OutputOf(c.Pin)
	if !c.Output || !ok || c.Level != 1 {
		return
	}
	s.mu.Lock()
	s.n++
	latency := time.Duration(150+37*(s.n%7)) * time.Millisecond
	if _, stim := o.Stimulus(); stim {
		s.onsets++
	}
	s.mu.Unlock()
	switch n, stim := o.Stimulus(); {
	case stim:
		s.sim.Poke(hardware.Hole(n), latency, 60*time.Millisecond)
	case o == hardware.MagazineLight:
		s.sim.Poke(hardware.Magazine, latency, 120*time.Millisecond)
	}
}

// waitOnsets waits for n more stimulus onsets than have been; false if
// they did not come within a minute.
func (s *pokingSubject) waitOnsets(n int) bool {
	s.mu.Lock()
	want := s.onsets + n
	s.mu.Unlock()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		s.mu.Lock()
		got := s.onsets
		s.mu.Unlock()
		if got >= want {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startSession starts a baseline session; more is the request's further
// fields (a seed, parameter overrides).
func (d *daemonProc) startSession(chamber, subject, more string) string {
	d.t.Helper()
	var s struct{ ID string }
	body := `{"subject": "` + subject + `", "protocol": "baseline", "condition": "vehicle", ` + more + `}`
	if code := d.post("/api/v1/chambers/"+chamber+"/sessions", body, &s); code != http.StatusCreated {
		d.t.Fatalf("start on %s: HTTP %d\n%s", chamber, code, d.logs())
	}
	if s.ID == "" {
		d.t.Fatalf("start on %s: no session id", chamber)
	}
	return s.ID
}

type storedSession struct {
	Status    string `json:"status"`
	EndReason string `json:"end_reason"`
	Error     string `json:"error"`
}

// waitEnded waits for a session to end; false if it did not within limit.
func (d *daemonProc) waitEnded(id string, limit time.Duration) (storedSession, bool) {
	d.t.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(100 * time.Millisecond) {
		var s storedSession
		d.get("/api/v1/sessions/"+id, &s)
		if s.Status != "" && s.Status != "running" {
			return s, true
		}
		if time.Now().After(deadline) {
			return s, false
		}
	}
}

// lastPins describes the board's latest pin changes, for a failure.
func lastPins(sim *avrsim.Sim) string {
	cs := sim.Changes()
	var b strings.Builder
	for _, c := range cs[max(0, len(cs)-30):] {
		fmt.Fprintf(&b, "%v output=%v %s=%d\n", sim.Time(c.Cycle), c.Output, c.Pin, c.Level)
	}
	fmt.Fprintf(&b, "lags: %v", sim.Lags())
	return b.String()
}

type chamberState struct {
	State     string `json:"state"`
	SessionID string `json:"session_id"`
	Phase     string `json:"phase"`
	Attempt   int    `json:"attempt"`
}

func (d *daemonProc) chamber(name string) chamberState {
	d.t.Helper()
	var c chamberState
	if code := d.get("/api/v1/chambers/"+name, &c); code != http.StatusOK {
		d.t.Fatalf("chamber %s: HTTP %d", name, code)
	}
	return c
}

// recorded is one row of `fivechoice export --what events`.
type recorded struct {
	at      time.Duration
	kind    string // input or output
	channel string
	value   int
	hwSeq   int
	due     time.Duration // outputs: when the protocol asked for it
}

// exportEvents reads every session's events back with the export command.
func exportEvents(t *testing.T, dir string) map[string][]recorded {
	out, stderr, code := fivechoice(t, dir, "export", "--db", "fivechoice.db", "--what", "events")
	if code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("export: %v\n%s", err, out)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	ms := func(s string) time.Duration {
		f, _ := strconv.ParseFloat(s, 64)
		return time.Duration(f * float64(time.Millisecond))
	}
	m := map[string][]recorded{}
	for _, r := range rows[1:] {
		v, _ := strconv.Atoi(r[col["value"]])
		seq, _ := strconv.Atoi(r[col["hw_seq"]])
		id := r[col["session_id"]]
		m[id] = append(m[id], recorded{at: ms(r[col["t_ms"]]), kind: r[col["kind"]], channel: r[col["channel"]],
			value: v, hwSeq: seq, due: ms(r[col["due_ms"]])})
	}
	return m
}

// checkOnBoard matches a session's recorded events with what the board's
// pins did, and checks their times. ended says the session ran to its end
// (its board was not killed).
func checkOnBoard(t *testing.T, sim *avrsim.Sim, events []recorded, pins []avrsim.Change, ended bool) {
	t.Helper()
	outs, err := matchOutputs(sim, events, pins)
	if err != nil {
		t.Fatal(err)
	}
	// Board time to session time: one offset, the median over the outputs.
	var offsets []time.Duration
	for _, m := range outs {
		offsets = append(offsets, m.at-sim.Time(m.pin.Cycle))
	}
	slices.Sort(offsets)
	offset := offsets[len(offsets)/2]
	var outErr, inErr, late []time.Duration
	for _, m := range outs {
		onBoard := sim.Time(m.pin.Cycle) + offset
		outErr = append(outErr, m.at-onBoard)
		late = append(late, onBoard-m.due)
		if onBoard < m.due-time.Millisecond {
			t.Errorf("%s %d switched at %v, before the protocol asked at %v", m.channel, m.value, onBoard, m.due)
		}
	}
	ins, after, err := matchInputs(events, pins)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1].at
	for _, c := range after {
		if at := sim.Time(c.Cycle) + offset; at <= last {
			t.Errorf("the subject set %s to %d at %v, during the session (its last event at %v), and nothing was recorded", c.Pin, c.Level, at, last)
		}
	}
	for _, m := range ins {
		inErr = append(inErr, m.at-(sim.Time(m.pin.Cycle)+offset))
	}
	t.Logf("%d inputs, recorded − pin change: %s", len(ins), spread(inErr))
	t.Logf("%d outputs, recorded − pin change: %s; pin change − due: %s", len(outs), spread(outErr), spread(late))
	for i, d := range append(inErr, outErr...) {
		if d.Abs() > time.Millisecond {
			t.Errorf("event %d recorded %v from its pin change, want within 1 ms", i, d)
		}
	}
	if ended && len(ins) < 30 {
		t.Errorf("only %d inputs in a 10-trial session", len(ins))
	}
	checkSync(t, events, ended)
	checkBarcode(t, sim, outs, pins, ended)
}

func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("min %v, median %v, max %v", s[0], s[len(s)/2], s[len(s)-1])
}

// matched is a recorded event and the pin change it stands for.
type matched struct {
	recorded
	pin avrsim.Change
}

// matchOutputs pairs each recorded output that changed a pin with that
// pin's change, in order, pin by pin. A recorded output that leaves its pin
// as it was has no change. A pellet is a pulse: the pin goes high, and low
// again 50 ms later by the board's own clock, which is checked. What is left
// must be outputs switched off without a record: the Halt at the session's
// end.
func matchOutputs(sim *avrsim.Sim, events []recorded, pins []avrsim.Change) ([]matched, error) {
	queue := map[string][]avrsim.Change{}
	for _, c := range pins {
		if c.Output {
			queue[c.Pin] = append(queue[c.Pin], c)
		}
	}
	level := map[string]int{}
	var out []matched
	for _, e := range events {
		if e.kind != "output" {
			continue
		}
		o, err := hardware.ParseOutput(e.channel)
		if err != nil {
			return nil, err
		}
		pin, err := avrsim.OutputPin(o)
		if err != nil {
			return nil, err
		}
		if e.value == level[pin] {
			continue
		}
		q := queue[pin]
		if len(q) == 0 || q[0].Level != e.value {
			return nil, fmt.Errorf("recorded %s %d at %v, but the board's pin %s did not change so (next: %+v)", e.channel, e.value, e.at, pin, q)
		}
		out = append(out, matched{e, q[0]})
		queue[pin], level[pin] = q[1:], e.value
		if width := map[hardware.Output]time.Duration{hardware.Pellet: 50 * time.Millisecond, hardware.Sync: 10 * time.Millisecond}[o]; width > 0 {
			q = queue[pin]
			if len(q) == 0 || q[0].Level != 0 {
				return nil, fmt.Errorf("the %v pulse recorded at %v never ended on the board", o, e.at)
			}
			if d := sim.Time(q[0].Cycle) - sim.Time(out[len(out)-1].pin.Cycle); d < width || d > width+2*time.Millisecond {
				return nil, fmt.Errorf("the %v pulse recorded at %v lasted %v on the board, want %v", o, e.at, d, width)
			}
			queue[pin], level[pin] = q[1:], 0
		}
	}
	for pin, q := range queue {
		for _, c := range q {
			if c.Level != 0 {
				return nil, fmt.Errorf("the board switched %s to %d at cycle %d, and nothing was recorded", pin, c.Level, c.Cycle)
			}
		}
	}
	return out, nil
}

// matchInputs pairs the recorded inputs with the beams the subject broke
// and restored, one for one and in order, with the board's sequence
// numbers from 1 without a gap. Beams moved after the session's last
// recorded event (the subject collecting its last pellet after the end)
// are not recorded: they are returned, for the caller to check when they
// happened.
func matchInputs(events []recorded, pins []avrsim.Change) (out []matched, after []avrsim.Change, err error) {
	var recs []recorded
	for _, e := range events {
		if e.kind == "input" {
			recs = append(recs, e)
		}
	}
	for _, c := range pins {
		if c.Output {
			continue
		}
		if len(out) == len(recs) {
			after = append(after, c)
			continue
		}
		e := recs[len(out)]
		in, err := hardware.ParseInput(e.channel)
		if err != nil {
			return nil, nil, err
		}
		pin, _ := avrsim.InputPin(in)
		if pin != c.Pin || (e.value == 1) != (c.Level == avrsim.BeamBroken) || e.hwSeq != len(out)+1 {
			return nil, nil, fmt.Errorf("input %d: recorded %s %d (#%d) at %v, the subject set %s to %d", len(out)+1, e.channel, e.value, e.hwSeq, e.at, c.Pin, c.Level)
		}
		out = append(out, matched{e, c})
	}
	if len(out) != len(recs) {
		return nil, nil, fmt.Errorf("%d inputs recorded, the subject made %d", len(recs), len(out))
	}
	return out, after, nil
}
