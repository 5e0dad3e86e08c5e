package serial

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// reader is the state of the reader goroutine, which alone touches it.
type reader struct {
	wrap    unwrapper
	lastSeq uint32        // the latest event sequence number received
	seenSeq uint32        // the latest known to exist (received, or announced by HB)
	hostSeq uint64        // Event.Seq of the latest event delivered
	lastAt  time.Duration // Event.At of the latest event delivered
	bad     []int64       // host times of the latest corrupt frames (a ring)
	badNext int
}

// after reports whether sequence number a comes after b (the numbers wrap).
func after(a, b uint32) bool { return a != b && a-b < 1<<31 }

// read is the reader goroutine: it splits the stream into lines and
// handles each. It closes Events when it ends.
func (c *Chamber) read() {
	defer close(c.readerDone)
	defer close(c.events)
	buf := make([]byte, 1024)
	line := make([]byte, 0, MaxFrame)
	long := false // in a line longer than MaxFrame
	for {
		n, err := c.port.Read(buf)
		recv := c.now()
		for _, b := range buf[:n] {
			switch {
			case b == '\n':
				if !long && len(line) > 0 {
					c.frame(line, recv)
				}
				line, long = line[:0], false
			case len(line) == MaxFrame-1:
				c.bad(recv, fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, MaxFrame), line)
				line, long = line[:0], true
			default:
				line = append(line, b)
			}
		}
		select {
		case <-c.done:
			return
		default:
		}
		if err == nil && n == 0 {
			err = errors.New("end of stream")
		}
		if err != nil {
			c.fail(fmt.Errorf("%w from %s: read: %w (unplugged or powered off?)", ErrDisconnected, c.name, err))
			return
		}
	}
}

// frame handles one line (without its line end) received at host time recv.
func (c *Chamber) frame(line []byte, recv int64) {
	f, err := ParseFrame(line)
	switch {
	case errors.Is(err, ErrUnknownType):
		c.unknown.Add(1)
		c.lastHeard.Store(recv)
		c.log.Debug("serial: unknown frame type ignored", "line", string(line))
		return
	case err != nil:
		if v, ok := hiVersion(line); ok && v.Major != Protocol.Major {
			c.handOver(Frame{Type: TypeHi, Version: v, Text: "?"}) // a board of another major version
			return
		}
		c.bad(recv, err, line)
		return
	}
	c.lastHeard.Store(recv)
	switch f.Type {
	case TypeEvent:
		c.event(f, recv)
	case TypeAck, TypeNak:
		c.ack(f, recv)
	case TypePong:
		c.pong(f, recv, len(line)+1)
	case TypeBeat:
		c.beat(f)
	case TypeHi:
		c.hi(f)
	case TypeBye:
		if c.inSession.Load() {
			c.fail(fmt.Errorf("%w on %s: it said %q: it switched its outputs off, having heard nothing from the host within its timeout (2 s): host stalled or overloaded?",
				ErrLeft, c.name, f.Text))
		}
	default: // a host's frame echoed back: a loopback, not a board
		c.bad(recv, fmt.Errorf("%w: %v is a host's frame", ErrMalformed, f.Type), line)
	}
}

// hiVersion reads the version of a HI frame this host cannot otherwise
// parse: every major version keeps "HI <version>" first.
func hiVersion(line []byte) (Version, bool) {
	f := bytes.Split(line, []byte(" "))
	if len(f) < 2 || string(f[0]) != "HI" {
		return Version{}, false
	}
	v, err := parseVersion(f[1])
	return v, err == nil
}

// bad counts a corrupt frame and fails the chamber when there are too many.
func (c *Chamber) bad(recv int64, err error, line []byte) {
	n := c.corrupt.Add(1)
	c.lastBad.Store(recv)
	c.log.Warn("serial: corrupt frame", "err", err, "line", fmt.Sprintf("%.40q", line), "total", n)
	if !c.inSession.Load() {
		return // before the handshake: a bootloader's noise
	}
	r := &c.rd
	if len(r.bad) < c.cfg.corruptLimit+1 {
		r.bad = append(r.bad, recv)
	} else {
		r.bad[r.badNext] = recv
	}
	r.badNext = (r.badNext + 1) % (c.cfg.corruptLimit + 1)
	if len(r.bad) == c.cfg.corruptLimit+1 && recv-r.bad[r.badNext] <= int64(c.cfg.corruptIn) {
		c.fail(fmt.Errorf("%w on %s: more than %d in %v (%d in all): wrong baud rate, a noisy cable, or not a fivechoice board?",
			ErrGarbage, c.name, c.cfg.corruptLimit, c.cfg.corruptIn, n))
	}
}

// hi takes the board's answer to HELLO: a new session starts on the board.
func (c *Chamber) hi(f Frame) {
	switch {
	case c.inSession.Load():
		return // a stale answer to an earlier HELLO
	case f.Version.Major != Protocol.Major:
		c.handOver(f) // refused, token or not
		return
	case uint32(f.Token) != c.token.Load():
		return // a stale answer to an earlier HELLO
	}
	c.rd.lastSeq, c.rd.seenSeq = 0, 0
	c.inSession.Store(true)
	c.handOver(f)
}

// handOver passes a HI to the handshake, if it still waits for one.
func (c *Chamber) handOver(f Frame) {
	select {
	case c.hs <- f:
	default:
	}
}

func (c *Chamber) event(f Frame, recv int64) {
	r := &c.rd
	board := r.wrap.extend(f.Time)
	if !c.inSession.Load() {
		return
	}
	if !after(f.ID, r.lastSeq) {
		c.fail(fmt.Errorf("%w on %s: event sequence number went from %d to %d: the board restarted",
			ErrLeft, c.name, r.lastSeq, f.ID))
		return
	}
	if after(f.ID-1, r.seenSeq) {
		n := f.ID - 1 - r.seenSeq
		c.lost.Add(uint64(n))
		c.log.Warn("serial: input events lost (gap in sequence numbers)", "lost", n, "lost_total", c.lost.Load())
	}
	step := f.ID - r.lastSeq
	r.lastSeq = f.ID
	if after(f.ID, r.seenSeq) {
		r.seenSeq = f.ID
	}
	if !c.begun.Load() {
		c.early.Add(1)
		return
	}
	at := time.Duration(min(c.hostTime(board), recv) - c.t0.Load())
	if at < 0 {
		c.early.Add(1)
		return
	}
	if at < r.lastAt {
		at = r.lastAt
		c.clamped.Add(1)
	}
	r.lastAt = at
	r.hostSeq += uint64(step)
	select {
	case c.events <- hardware.Event{Input: f.Input, Entry: f.On, At: at, Seq: r.hostSeq}:
	default:
		n := c.dropped.Add(1)
		c.log.Warn("serial: input event dropped: event buffer full", "dropped_total", n, "buffer", c.cfg.bufSize)
	}
}

func (c *Chamber) ack(f Frame, recv int64) {
	board := c.rd.wrap.extend(f.Time)
	c.mu.Lock()
	p := c.cmd
	if p != nil && p.id == f.ID {
		c.cmd = nil
	} else {
		p = nil
	}
	c.mu.Unlock()
	if p == nil {
		c.log.Debug("serial: late or unexpected answer ignored", "frame", f.String())
		return
	}
	if f.Type == TypeNak {
		p.reply <- reply{nak: f.Text}
		return
	}
	h := c.hostTime(board)
	if p.typ != TypePulse { // a queued pulse starts later
		h = min(h, recv)
	}
	p.reply <- reply{at: time.Duration(max(h, p.sent) - c.t0.Load())}
}

// pong takes a clock sample from a PONG of n bytes on the wire. The board
// read its clock when the PING had arrived, so on a UART link the sample's
// host time is not the middle of the round trip: the PONG, longer than the
// PING, takes longer on the wire. The midpoint is moved back by half the
// difference of the two frames' times (at 115200 baud about 0.35 ms for
// the usual 8 bytes), within the round trip.
func (c *Chamber) pong(f Frame, recv int64, n int) {
	board := c.rd.wrap.extend(f.Time)
	c.mu.Lock()
	sent, ok := c.pings[f.ID]
	delete(c.pings, f.ID)
	c.mu.Unlock()
	if !ok {
		return
	}
	mid := sent.at + (recv-sent.at)/2 - int64(n-sent.len)*c.byteNs/2
	mid = min(max(mid, sent.at), recv)
	c.clockMu.Lock()
	c.clock.add(clockSample{board: board, host: mid, rtt: recv - sent.at})
	c.clockMu.Unlock()
}

func (c *Chamber) beat(f Frame) {
	r := &c.rd
	r.wrap.extend(f.Time)
	if !c.inSession.Load() {
		return
	}
	if uint32(f.Token) != c.token.Load() {
		c.fail(fmt.Errorf("%w on %s: its heartbeat carries token %04X, not the session's %04X: the board restarted (power, reset button or watchdog)",
			ErrLeft, c.name, f.Token, c.token.Load()))
		return
	}
	if after(r.lastSeq, f.ID) {
		c.fail(fmt.Errorf("%w on %s: its heartbeat says %d events sent, %d were received: the board restarted",
			ErrLeft, c.name, f.ID, r.lastSeq))
		return
	}
	if after(f.ID, r.seenSeq) {
		n := f.ID - r.seenSeq
		r.seenSeq = f.ID
		c.lost.Add(uint64(n))
		c.log.Warn("serial: input events lost (the heartbeat counts more than arrived)", "lost", n, "lost_total", c.lost.Load())
	}
	if old := c.boardRx.Swap(f.Count); f.Count != old {
		c.log.Warn("serial: the board received corrupt frames from the host", "new", f.Count-old, "total", f.Count)
	}
}
