package serial

import (
	"fmt"

	bugst "go.bug.st/serial"
)

// Open opens a serial device (/dev/ttyACM0, /dev/serial/by-id/...) at 8N1,
// discards what the board sent before, and returns the chamber once the
// board has answered the handshake (see New).
func Open(path string, opts ...Option) (*Chamber, error) {
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	p, err := bugst.Open(path, &bugst.Mode{BaudRate: cfg.baud, DataBits: 8, Parity: bugst.NoParity, StopBits: bugst.OneStopBit})
	if err != nil {
		return nil, fmt.Errorf("serial: open %s: %w", path, err)
	}
	if err := p.ResetInputBuffer(); err != nil {
		p.Close()
		return nil, fmt.Errorf("serial: flush %s: %w", path, err)
	}
	return New(p, path, opts...)
}
