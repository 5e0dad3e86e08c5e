package emulator

import (
	"math/rand/v2"
	"time"

	"github.com/fivechoice/fivechoice/hardware/serial"
)

// Silence makes the board stop (or, with false, resume) answering: it
// neither sends nor acts on anything, as a hung firmware.
func (b *Board) Silence(on bool) {
	b.mu.Lock()
	b.silent = on
	b.mu.Unlock()
}

// CorruptNext spoils the checksum of the next n frames the board sends.
func (b *Board) CorruptNext(n int) {
	b.mu.Lock()
	b.corrupt += n
	b.mu.Unlock()
}

// CorruptEvents spoils the checksum of the next n EV frames only: those
// events are lost to the host.
func (b *Board) CorruptEvents(n int) {
	b.mu.Lock()
	b.corruptEv += n
	b.mu.Unlock()
}

// Garbage sends n lines of random bytes.
func (b *Board) Garbage(n int) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	for range n {
		b.write(garbage())
	}
}

// garbage is a line of random bytes, none of them a newline, as a wrong
// baud rate gives.
func garbage() []byte {
	p := make([]byte, 8+rand.N(40))
	for i := range p {
		p[i] = byte(rand.N(255))
		if p[i] == '\n' {
			p[i] = 0xFF
		}
	}
	p[len(p)-1] = '\n'
	return p
}

// Flood makes the board send garbage continuously, a line every
// millisecond, until Flood(false).
func (b *Board) Flood(on bool) {
	b.mu.Lock()
	start := on && !b.flooding
	b.flooding = on
	b.mu.Unlock()
	if !start {
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-b.done:
				return
			case <-t.C:
			}
			b.mu.Lock()
			on := b.flooding
			b.mu.Unlock()
			if !on {
				return
			}
			b.Garbage(1)
		}
	}()
}

// Reset restarts the board as a power cut or watchdog would: outputs off,
// the session forgotten (token 0), sequence numbers from 1 again.
func (b *Board) Reset() {
	b.mu.Lock()
	now := time.Now()
	told := b.offLocked(now, "RESET")
	b.attached, b.token, b.seq, b.lastID, b.pelletFree = false, 0, 0, 0, now
	b.queue = b.queue[:0]
	b.mu.Unlock()
	b.tell(told)
}

// Say sends an arbitrary frame, for tests of the host's parser.
func (b *Board) Say(f serial.Frame) { b.send(f) }

// SayRaw writes raw bytes.
func (b *Board) SayRaw(p []byte) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.write(p)
}

// HostTimeout changes how long the board waits without a frame from the
// host before it leaves the session: shortened below the host's heartbeat,
// it makes the board see a stalled host.
func (b *Board) HostTimeout(d time.Duration) {
	b.mu.Lock()
	b.cfg.hostTimeout = d
	b.mu.Unlock()
}
