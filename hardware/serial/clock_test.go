package serial

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestUnwrap(t *testing.T) {
	const wrap = int64(1) << 32
	for _, c := range []struct {
		name string
		in   []uint32
		want []int64
	}{
		{"plain", []uint32{10, 20, 15, 30}, []int64{10, 20, 15, 30}},
		{"across the wrap", []uint32{4294967000, 4294967295, 5, 100}, []int64{4294967000, 4294967295, wrap + 5, wrap + 100}},
		{"behind, across the wrap", []uint32{10, 4294967290, 20}, []int64{10, -6, 20}},
		{"twice", []uint32{0, 1 << 30, 2 << 30, 3 << 30, 5, 2 << 30, 3 << 30, 7},
			[]int64{0, 1 << 30, 2 << 30, 3 << 30, wrap + 5, wrap + 2<<30, wrap + 3<<30, 2*wrap + 7}},
	} {
		var u unwrapper
		for i, x := range c.in {
			if got := u.extend(x); got != c.want[i] {
				t.Errorf("%s: extend #%d (%d) = %d, want %d", c.name, i, x, got, c.want[i])
			}
		}
	}
}

// TestClockModelFollowsDrift feeds the model round trips on a link with
// random, asymmetric delays to a board with a known offset and drift, and
// checks how far from the truth it maps board times.
func TestClockModelFollowsDrift(t *testing.T) {
	us := int64(time.Microsecond)
	for _, c := range []struct {
		name     string
		ppm      float64
		delay    time.Duration // the least one-way delay
		jitter   time.Duration // mean extra delay, exponential, each way
		maxErr   time.Duration
		ppmError float64
	}{
		{"pty-like, crystal", 50, 20 * time.Microsecond, 30 * time.Microsecond, 50 * time.Microsecond, 2},
		{"usb-like, crystal", -30, 500 * time.Microsecond, 400 * time.Microsecond, 300 * time.Microsecond, 10},
		{"usb-like, ceramic resonator", 3000, 500 * time.Microsecond, 400 * time.Microsecond, 300 * time.Microsecond, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			delay := func() int64 { return int64(c.delay) + int64(rng.ExpFloat64()*float64(c.jitter)) }
			const offset = int64(7 * time.Second) // the board clock's reading at host time 0
			boardAt := func(h int64) int64 { return (offset + int64(float64(h)*(1+c.ppm/1e6))) / us }
			m := newClockModel()
			var worst time.Duration
			h := int64(0)
			step := func(every time.Duration) {
				up, down := delay(), delay()
				b := boardAt(h + up) // the board answers up after the PING is sent
				m.add(clockSample{board: b, host: h + (up+down)/2, rtt: up + down})
				h += int64(every)
			}
			for range 25 { // the handshake's burst
				step(20 * time.Millisecond)
			}
			for h < int64(5*time.Minute) {
				step(250 * time.Millisecond)
				// An event between two pings: its true host time is h.
				ev := h - int64(100*time.Millisecond)
				got := m.host(boardAt(ev))
				if e := time.Duration(got - ev); e.Abs() > worst {
					worst = e.Abs()
				}
			}
			if worst > c.maxErr {
				t.Errorf("worst mapping error %v, want at most %v", worst, c.maxErr)
			}
			if d := m.driftPPM() - c.ppm; math.Abs(d) > c.ppmError {
				t.Errorf("drift %.2f ppm, true %.0f", m.driftPPM(), c.ppm)
			}
			t.Logf("worst error %v, drift %.2f ppm (true %.0f), min RTT %v, %d samples, %d used",
				worst, m.driftPPM(), c.ppm, time.Duration(m.minRTT), len(m.samples), m.used)
		})
	}
}

// TestPongSampleOnUART: on a UART the PING and the PONG take their lengths
// in byte times on the wire, so the round trip's midpoint is not when the
// board read its clock; the sample must be corrected for the difference.
// On native USB a frame takes no time on the wire, and the midpoint is
// right as it is.
func TestPongSampleOnUART(t *testing.T) {
	const latency = 300 * time.Microsecond // each way, besides the wire
	for _, c := range []struct {
		name   string
		baud   int
		native bool
	}{
		{"UART at 115200 baud", 115200, false},
		{"UART at 9600 baud", 9600, false},
		{"native USB", 115200, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := defaults()
			cfg.baud, cfg.nativeUSB = c.baud, c.native
			ch := &Chamber{cfg: cfg, byteNs: cfg.byteTime(), pings: map[uint32]pingSent{}, clock: newClockModel()}
			perByte := int64(0)
			if !c.native {
				perByte = int64(10 * time.Second / time.Duration(c.baud))
			}
			ping := Frame{Type: TypePing, ID: 7}.Append(nil)
			sent := int64(time.Second)
			read := sent + int64(latency) + int64(len(ping))*perByte // the board reads its clock: in step with the host's
			board := read / 1000
			pong := Frame{Type: TypePong, ID: 7, Time: uint32(board)}.Append(nil)
			recv := board*1000 + int64(len(pong))*perByte + int64(latency)
			ch.pings[7] = pingSent{at: sent, len: len(ping)}
			ch.pong(Frame{Type: TypePong, ID: 7, Time: uint32(board)}, recv, len(pong))
			if got := ch.clock.samples[0].host; math.Abs(float64(got-board*1000)) > 1000 {
				t.Errorf("sample pairs board time %d µs with host %v, want %v (PING %d bytes, PONG %d)",
					board, time.Duration(got), time.Duration(board*1000), len(ping), len(pong))
			}
		})
	}
}

// TestClockModelUnderStalls: on a loaded host the writer, the reader or
// the board's side of the link is sometimes held up for milliseconds, so
// a few round trips are long and lopsided. Such a sample can be wrong by
// up to half its excess round trip, and a slope fitted to a short span of
// them extrapolates that error: a board time mapped right after the
// handshake was once 1.7 ms off with a 0.5 s burst fitted to -1537 ppm on
// a clock with no drift at all. The map must stay within a quarter of
// the quickest round trip from the first event on.
func TestClockModelUnderStalls(t *testing.T) {
	const (
		oneWay = 1500 * time.Microsecond // a pty at 115200 baud, both frames' wire time included
		jitter = 40 * time.Microsecond   // mean extra delay, exponential, each way
		stallP = 0.15                    // chance of a stall, each way
		stall  = 8 * time.Millisecond    // a stall's greatest length (uniform)
	)
	for _, ppm := range []float64{0, 80, -3000, 4000} {
		var worst, sum time.Duration
		var n int
		for seed := uint64(1); seed <= 40; seed++ {
			rng := rand.New(rand.NewPCG(seed, 99))
			delay := func() int64 {
				d := int64(oneWay) + int64(rng.ExpFloat64()*float64(jitter))
				if rng.Float64() < stallP {
					d += rng.Int64N(int64(stall))
				}
				return d
			}
			const offset = int64(3 * time.Second)
			boardAt := func(h int64) int64 { return (offset + int64(float64(h)*(1+ppm/1e6))) / int64(time.Microsecond) }
			m := newClockModel()
			h := int64(0)
			ping := func() {
				up, down := delay(), delay()
				m.add(clockSample{board: boardAt(h + up), host: h + (up+down)/2, rtt: up + down})
			}
			for range 25 { // the handshake's burst
				ping()
				h += int64(20 * time.Millisecond)
			}
			for h < int64(30*time.Second) {
				ping()
				for ev := h + int64(5*time.Millisecond); ev < h+int64(250*time.Millisecond); ev += int64(35 * time.Millisecond) {
					e := time.Duration(m.host(boardAt(ev)) - ev).Abs()
					worst, sum, n = max(worst, e), sum+e, n+1
				}
				h += int64(250 * time.Millisecond)
			}
		}
		t.Logf("%+5.0f ppm: mean error %v, worst %v over %d events", ppm, sum/time.Duration(n), worst, n)
		if bound := 2 * oneWay / 4; worst > bound {
			t.Errorf("%+.0f ppm: a board time mapped %v from the truth, want within %v", ppm, worst, bound)
		}
	}
}
