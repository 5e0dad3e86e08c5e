package serial

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Handshake constants.
const (
	helloEvery = 500 * time.Millisecond // HELLO is sent again until HI comes
	syncPings  = 25                     // PINGs of the initial clock comparison
	syncEvery  = 20 * time.Millisecond
	syncMin    = 5 // PONGs it needs
)

// handshake greets the board, checks what it is, and compares the clocks.
func (c *Chamber) handshake() error {
	deadline := time.NewTimer(c.cfg.handshake)
	defer deadline.Stop()
	retry := time.NewTicker(helloEvery)
	defer retry.Stop()
	hello := func() error {
		tok := uint16(rand.N(0xFFFF) + 1) // 0 is a board outside any session
		c.token.Store(uint32(tok))
		return c.send(outFrame{b: Frame{Type: TypeHello, Version: Protocol, Token: tok}.Append(nil)})
	}
	if err := hello(); err != nil {
		return err
	}
	var hi Frame
wait:
	for {
		select {
		case hi = <-c.hs:
			break wait
		case <-retry.C:
			if err := hello(); err != nil {
				return err
			}
		case <-deadline.C:
			hint := ""
			if n := c.corrupt.Load(); n > 0 {
				hint = fmt.Sprintf(" (%d corrupt frames received: wrong baud rate?)", n)
			}
			return fmt.Errorf("%w on %s: no answer to HELLO in %v%s: is a fivechoice board on this port?",
				ErrHandshake, c.name, c.cfg.handshake, hint)
		case <-c.done:
			return c.Err()
		}
	}
	if hi.Version.Major != Protocol.Major {
		return fmt.Errorf("%w on %s: the board speaks protocol %v (firmware %s), this host speaks %v: flash firmware of protocol %d.x",
			ErrVersion, c.name, hi.Version, hi.Text, Protocol, Protocol.Major)
	}
	if c.cfg.sync != 0 && hi.Version.Minor < 1 {
		return fmt.Errorf("%w on %s: a sync line is configured, but the board speaks protocol %v (firmware %s), which has none: flash firmware of protocol 1.1 or later",
			ErrVersion, c.name, hi.Version, hi.Text)
	}
	if c.cfg.syncSet && hi.Version.Minor < 2 {
		return fmt.Errorf("%w on %s: a sync barcode is configured, but the board speaks protocol %v (firmware %s), which cannot set the sync line: flash firmware of protocol 1.2 or later",
			ErrVersion, c.name, hi.Version, hi.Text)
	}
	if int(hi.Holes) < c.cfg.minHoles {
		return fmt.Errorf("%w on %s: the board has %d holes, at least %d are needed", ErrHandshake, c.name, hi.Holes, c.cfg.minHoles)
	}
	c.board = BoardInfo{Port: c.name, Protocol: hi.Version, Firmware: hi.Text, Holes: int(hi.Holes)}
	if err := c.sync(); err != nil {
		return err
	}
	c.clockMu.Lock()
	err := c.clock.checkRate()
	c.clockMu.Unlock()
	if err != nil {
		return fmt.Errorf("%w on %s: %w", ErrClock, c.name, err)
	}
	ci := c.Clock()
	c.log.Info("serial: board ready", "protocol", hi.Version.String(), "firmware", hi.Text, "holes", hi.Holes,
		"min_rtt", ci.MinRTT, "drift_ppm", ci.DriftPPM)
	return nil
}

// sync sends a burst of PINGs for a first estimate of the board's clock.
func (c *Chamber) sync() error {
	t := time.NewTicker(syncEvery)
	defer t.Stop()
	for i := 0; ; i++ {
		c.clockMu.Lock()
		n := len(c.clock.samples)
		c.clockMu.Unlock()
		if i >= syncPings && n >= syncMin {
			return nil
		}
		if i >= 2*syncPings {
			return fmt.Errorf("%w on %s: %d of %d PINGs answered", ErrHandshake, c.name, n, i)
		}
		if err := c.ping(); err != nil {
			return err
		}
		select {
		case <-t.C:
		case <-c.done:
			return c.Err()
		}
	}
}
