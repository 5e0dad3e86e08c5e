package serial

import (
	"fmt"
	"time"
)

// An outFrame is a frame on its way to the board.
type outFrame struct {
	b     []byte
	nonce uint32 // a PING's: the writer notes when it was sent
	ping  bool
}

// send queues a frame for the writer. A full queue means the writer has
// been blocked for many heartbeats: the chamber fails.
func (c *Chamber) send(f outFrame) error {
	select {
	case <-c.done:
		return c.Err()
	default:
	}
	select {
	case c.out <- f:
		return nil
	default:
		err := fmt.Errorf("%w on %s: cannot write to the board (queue full)", ErrSilent, c.name)
		c.fail(err)
		return err
	}
}

// write is the writer goroutine: the only one that writes to the port.
func (c *Chamber) write() {
	defer close(c.writerDone)
	for {
		var f outFrame
		select {
		case f = <-c.out:
		case <-c.done:
			return
		}
		now := c.now()
		if f.ping {
			c.mu.Lock()
			c.pings[f.nonce] = pingSent{at: now, len: len(f.b)}
			delete(c.pings, f.nonce-64) // never answered
			c.mu.Unlock()
		}
		c.writing.Store(max(now, 1))
		err := writeAll(c.port, f.b)
		c.writing.Store(0)
		if err != nil {
			select {
			case <-c.done: // closing: the port was closed under us
			default:
				c.fail(fmt.Errorf("%w from %s: write: %w", ErrDisconnected, c.name, err))
			}
			return
		}
	}
}

func writeAll(w interface{ Write([]byte) (int, error) }, b []byte) error {
	for len(b) > 0 {
		n, err := w.Write(b)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("wrote nothing")
		}
		b = b[n:]
	}
	return nil
}

// ping sends a PING; its PONG is a clock sample.
func (c *Chamber) ping() error {
	n := c.nonce.Add(1)
	return c.send(outFrame{b: Frame{Type: TypePing, ID: n}.Append(nil), nonce: n, ping: true})
}

// heart pings the board every interval and fails the chamber when the
// board has been silent, or a write blocked, for longer than the silence
// timeout.
func (c *Chamber) heart() {
	defer close(c.heartDone)
	t := time.NewTicker(c.cfg.beat)
	defer t.Stop()
	report := time.Now()
	prev := c.now()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		now := c.now()
		if late := now - prev; late > 2*int64(c.cfg.beat) {
			// This process was not running (a VM or a loaded machine
			// stalled it): the reader is as far behind as this tick, and
			// the board's frames may be waiting unread. Judge silence at
			// the next tick, when the reader has caught up.
			prev = now
			c.log.Warn("serial: heartbeat ran late: the host stalled", "late", time.Duration(late).Round(time.Millisecond))
			if c.ping() != nil {
				return
			}
			continue
		}
		prev = now
		if w := c.writing.Load(); w != 0 && now-w > int64(c.cfg.silence) {
			c.fail(fmt.Errorf("%w on %s: a write has been blocked for %v (the board stopped reading)",
				ErrSilent, c.name, time.Duration(now-w).Round(time.Millisecond)))
			return
		}
		if heard := c.lastHeard.Load(); now-heard > int64(c.cfg.silence) {
			quiet := time.Duration(now - heard).Round(time.Millisecond)
			if c.lastBad.Load() > heard {
				c.fail(fmt.Errorf("%w on %s: only corrupt frames for %v (%d in all): wrong baud rate, a noisy cable, or not a fivechoice board?",
					ErrGarbage, c.name, quiet, c.corrupt.Load()))
			} else {
				c.fail(fmt.Errorf("%w on %s: nothing received for %v (limit %v): board hung or unpowered?",
					ErrSilent, c.name, quiet, c.cfg.silence))
			}
			return
		}
		if c.ping() != nil {
			return
		}
		if time.Since(report) >= 30*time.Second {
			report = time.Now()
			ci := c.Clock()
			c.log.Debug("serial: clock", "drift_ppm", ci.DriftPPM, "fitted", ci.Fitted, "min_rtt", ci.MinRTT,
				"samples", ci.Samples, "used", ci.Used, "corrupt", c.corrupt.Load(), "lost", c.lost.Load())
		}
	}
}

// command sends a command and waits for its acknowledgement, sending it
// again (same id: the board executes it once) when none comes in time. It
// returns the session time the board says the command took effect,
// bounded by when it was sent and when the answer arrived.
func (c *Chamber) command(f Frame) (time.Duration, error) {
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	if err := c.Err(); err != nil {
		return 0, err
	}
	c.nextID++
	f.ID = c.nextID
	p := &pending{id: f.ID, typ: f.Type, sent: c.now(), reply: make(chan reply, 1)}
	c.mu.Lock()
	c.cmd = p
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.cmd == p {
			c.cmd = nil
		}
		c.mu.Unlock()
	}()
	b := f.Append(nil)
	t := time.NewTimer(c.cfg.cmdTimeout)
	defer t.Stop()
	for try := 1; try <= c.cfg.cmdTries; try++ {
		if try > 1 {
			c.retries.Add(1)
			c.log.Warn("serial: no acknowledgement, sending again", "command", f.String(), "try", try)
			t.Reset(c.cfg.cmdTimeout)
		}
		if err := c.send(outFrame{b: b}); err != nil {
			return 0, err
		}
		select {
		case r := <-p.reply:
			if r.nak != "" {
				return 0, fmt.Errorf("%w: %v: %s", ErrRefused, f, r.nak)
			}
			return r.at, nil
		case <-t.C:
		case <-c.done:
			return 0, c.Err()
		}
	}
	err := fmt.Errorf("%w on %s: %v: no answer to %d tries in %v", ErrNoAck, c.name, f,
		c.cfg.cmdTries, time.Duration(c.cfg.cmdTries)*c.cfg.cmdTimeout)
	c.fail(err)
	return 0, err
}
