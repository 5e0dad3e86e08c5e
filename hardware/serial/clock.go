package serial

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// unwrapper extends the board's 32-bit microsecond clock, which wraps every
// 2^32 µs (71.6 minutes), to 64 bits. Every board time goes through it in
// the order received. A time is taken as the one nearest the latest seen,
// so two consecutive frames must be less than half a wrap (35.8 minutes)
// apart, which the heartbeat guarantees; times a little behind the latest
// (an event stamped before a queued pulse's start) come out behind it.
type unwrapper struct {
	ref int64
	ok  bool
}

func (u *unwrapper) extend(t uint32) int64 {
	if !u.ok {
		u.ok, u.ref = true, int64(t)
		return u.ref
	}
	ext := u.ref + int64(int32(t-uint32(u.ref)))
	u.ref = max(u.ref, ext)
	return ext
}

// A clockSample pairs a board time with the host time it corresponds to:
// a PONG's board time and the middle of its PING's round trip.
type clockSample struct {
	board int64 // µs, unwrapped
	host  int64 // ns on the chamber's host clock: (sent + received) / 2
	rtt   int64 // ns
}

// Clock model constants.
const (
	clockWindow  = 2 * time.Minute        // samples kept for the fit
	clockFloor   = 25 * time.Microsecond  // the least error scale of a sample: the board's 4 µs clock and the host's wake-up jitter
	clockMinSpan = 300 * time.Millisecond // span the fitted samples need before the rate is fitted
	maxDriftPPM  = 20000                  // a fitted rate further off than 2% is refused
)

// clockModel maps the board clock onto the host's:
//
//	host = h0 + slope · (board − b0)
//
// It keeps the samples of the last clockWindow and fits a line to them by
// weighted least squares. A sample's error is at most half its round trip
// beyond the quickest one (the board read its clock somewhere in the
// round trip, and only the extra delay of one direction over the other
// moves it off the middle), so each is weighted by the inverse square of
// that bound plus the median excess round trip (at least clockFloor).
// When a loaded host holds up the writer, the reader or the board for
// milliseconds, the lopsided samples it makes count for almost nothing,
// and cannot tilt a rate fitted to a short span, which would carry their
// error, amplified, to every time mapped after them. Those whose round
// trip is far above the best are dropped. Refitted on every sample, it
// follows the board's drift as it changes with temperature.
type clockModel struct {
	samples []clockSample // oldest first
	b0      int64
	h0      float64
	slope   float64 // host ns per board µs: 1000 when the clocks agree
	ready   bool    // a sample has been seen
	fitted  bool    // slope from the data, not nominal
	used    int     // samples in the last fit
	minRTT  int64
	excess  []int64 // scratch for the fit
}

func newClockModel() *clockModel { return &clockModel{slope: 1000} }

// add takes a sample and refits.
func (m *clockModel) add(s clockSample) {
	m.samples = append(m.samples, s)
	cut := 0
	for cut < len(m.samples) && m.samples[cut].host < s.host-int64(clockWindow) {
		cut++
	}
	if cut > 0 {
		m.samples = append(m.samples[:0], m.samples[cut:]...)
	}
	m.fit()
}

func (m *clockModel) fit() {
	best := int64(math.MaxInt64)
	for _, s := range m.samples {
		best = min(best, s.rtt)
	}
	m.minRTT = best
	limit := 2*best + int64(200*time.Microsecond)
	// Sums are taken from the newest sample, so that float64 keeps
	// nanoseconds whatever the clocks read.
	ref := m.samples[len(m.samples)-1]
	// The scale of an ordinary sample's error: the median excess round
	// trip. A link's quickest trips can be quick in one direction only (a
	// USB frame, a UART FIFO caught just right), so the best sample alone
	// is not trusted more than the ordinary ones; a stall of milliseconds
	// is what the weights are there to discount.
	excess := m.excess[:0]
	for _, s := range m.samples {
		if s.rtt <= limit {
			excess = append(excess, s.rtt-best)
		}
	}
	slices.Sort(excess)
	scale := max(float64(clockFloor), float64(excess[len(excess)/2]))
	m.excess = excess
	weight := func(s clockSample) float64 {
		u := scale / (scale + float64(s.rtt-best)/2)
		return u * u // relative to the best sample's
	}
	var sw, sx, sy float64
	first, last := int64(math.MaxInt64), int64(math.MinInt64) // of the samples used
	m.used = 0
	for _, s := range m.samples {
		if s.rtt > limit {
			continue
		}
		w := weight(s)
		sw += w
		sx += w * float64(s.board-ref.board)
		sy += w * float64(s.host-ref.host)
		first, last = min(first, s.host), max(last, s.host)
		m.used++
	}
	bm := sx/sw + float64(ref.board)
	hm := sy/sw + float64(ref.host)
	m.b0 = int64(math.Round(bm))
	hm += (float64(m.b0) - bm) * m.slope // centre on a whole µs
	if last-first >= int64(clockMinSpan) && m.used >= 3 {
		var sxy, sxx float64
		for _, s := range m.samples {
			if s.rtt > limit {
				continue
			}
			w := weight(s)
			dx, dy := float64(s.board-m.b0), float64(s.host)-hm
			sxy += w * dx * dy
			sxx += w * dx * dx
		}
		if slope := sxy / sxx; sxx > 0 && math.Abs(1000/slope-1)*1e6 <= maxDriftPPM {
			m.slope, m.fitted = slope, true
		}
	}
	m.h0 = hm
	m.ready = true
}

// maxRateError is how far off the host's the board clock's rate may be at
// the handshake. A crystal is within 0.01%, a ceramic resonator within
// 0.5%; beyond 5% the firmware was built for another clock (F_CPU), its
// timer is misconfigured, or it does not run at all.
const maxRateError = 0.05

// checkRate tells whether the board clock advances with the host's, from
// the handshake's samples. QEMU's AVR machines, for one, answer every
// PING with the same time: their timers are not implemented, so micros()
// never moves, and every event would be stamped at one instant. It
// compares the least delayed sample of the first third of the burst with
// that of the last third, so that a stalled host or a slow line does not
// make a good clock look wrong.
func (m *clockModel) checkRate() error {
	n := len(m.samples)
	if n < 3 {
		return nil
	}
	first, last := m.samples[0].host, m.samples[n-1].host
	if time.Duration(last-first) < 100*time.Millisecond {
		return nil // too short to tell
	}
	a, b := -1, -1
	for i, s := range m.samples {
		switch {
		case s.host <= first+(last-first)/3 && (a < 0 || s.rtt < m.samples[a].rtt):
			a = i
		case s.host >= last-(last-first)/3 && (b < 0 || s.rtt < m.samples[b].rtt):
			b = i
		}
	}
	lo, hi := m.samples[a], m.samples[b]
	board := time.Duration(hi.board-lo.board) * time.Microsecond
	host := time.Duration(hi.host - lo.host)
	allSame := true
	for _, s := range m.samples {
		allSame = allSame && s.board == m.samples[0].board
	}
	switch rate := float64(board) / float64(host); {
	case allSame:
		return fmt.Errorf("its clock does not advance: %d PONGs over %v all read %d µs (a board whose timer does not run, such as QEMU's AVR machines, which do not implement timers)",
			n, time.Duration(last-first).Round(time.Millisecond), uint32(m.samples[0].board))
	case math.Abs(rate-1) > maxRateError:
		return fmt.Errorf("its clock advanced %v while the host's advanced %v (%.1f%% of the rate, %d PONGs): firmware built for another clock frequency (F_CPU), or a misconfigured timer?",
			board.Round(time.Microsecond), host.Round(time.Microsecond), 100*rate, n)
	}
	return nil
}

// host maps a board time (µs, unwrapped) to host time (ns).
func (m *clockModel) host(board int64) int64 {
	return int64(math.Round(m.h0 + m.slope*float64(board-m.b0)))
}

// board maps a host time (ns) to board time (µs, unwrapped).
func (m *clockModel) board(host int64) int64 {
	return m.b0 + int64(math.Round((float64(host)-m.h0)/m.slope))
}

// driftPPM is how fast the board clock runs against the host's, in parts
// per million (positive: the board's is fast).
func (m *clockModel) driftPPM() float64 { return (1000/m.slope - 1) * 1e6 }

// ClockInfo describes the current mapping of the board clock onto session
// time.
type ClockInfo struct {
	// BoardAtZero is the board clock's reading (µs, wrapped) at session
	// time zero.
	BoardAtZero uint32
	// DriftPPM is how fast the board clock runs against the host's, in
	// parts per million (positive: the board's is fast). It is zero until
	// enough round trips have been timed to fit it.
	DriftPPM float64
	Fitted   bool          // DriftPPM is fitted (else assumed zero)
	MinRTT   time.Duration // the shortest PING round trip in the window
	Samples  int           // round trips in the window
	Used     int           // of which the fit used (the rest were far slower than the quickest)
}
