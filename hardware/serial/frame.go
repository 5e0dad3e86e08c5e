package serial

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/fivechoice/fivechoice/hardware"
)

// MaxFrame is the longest frame either side may send, in bytes, counting
// the checksum and the line end. A longer line is garbage.
const MaxFrame = 96

// maxText is the longest free-text field (a firmware version, a reason).
const maxText = 24

// MaxPulse is the longest PULSE a frame may ask for.
const MaxPulse = 10000 // ms

// Errors of ParseFrame, told apart with errors.Is. A frame with a bad
// checksum or a bad shape is corrupt; an unknown type with a good checksum
// is not (a later minor version of the protocol may add types).
var (
	ErrChecksum    = errors.New("bad checksum")
	ErrMalformed   = errors.New("malformed frame")
	ErrUnknownType = errors.New("unknown frame type")
)

// A Type is the kind of a frame, its first field.
type Type uint8

// The frame types of protocol 1. The wire form of each is in
// docs/serial-protocol.md.
const (
	TypeHello Type = iota + 1 // host: HELLO <version> <token>
	TypeHi                    // board: HI <version> <firmware> <holes> <token>
	TypePing                  // host: PING <nonce>
	TypePong                  // board: PONG <nonce> <board_us>
	TypeEvent                 // board: EV <seq> <board_us> <input> <edge>
	TypeSet                   // host: SET <id> <output> <0|1>
	TypePulse                 // host: PULSE <id> <output> <ms>
	TypeHalt                  // host: HALT <id>
	TypeAck                   // board: ACK <id> <board_us>
	TypeNak                   // board: NAK <id> <reason>
	TypeBeat                  // board: HB <board_us> <last_seq> <token> <rx_bad>
	TypeBye                   // board: BYE <reason>
)

var typeNames = [...]string{
	TypeHello: "HELLO", TypeHi: "HI", TypePing: "PING", TypePong: "PONG",
	TypeEvent: "EV", TypeSet: "SET", TypePulse: "PULSE", TypeHalt: "HALT",
	TypeAck: "ACK", TypeNak: "NAK", TypeBeat: "HB", TypeBye: "BYE",
}

// fields is how many fields each type has after its name (protocol 1.0;
// later minor versions may append more, which are ignored).
var fields = [...]int{
	TypeHello: 2, TypeHi: 4, TypePing: 1, TypePong: 2, TypeEvent: 4, TypeSet: 3,
	TypePulse: 3, TypeHalt: 1, TypeAck: 2, TypeNak: 2, TypeBeat: 4, TypeBye: 1,
}

func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// A Version is a protocol version. Hosts and boards of the same major
// version understand each other; a minor version only adds.
type Version struct{ Major, Minor uint8 }

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Protocol is the version of the protocol this package speaks.
var Protocol = Version{1, 2}

// A Frame is one line of the protocol, decoded. Which fields mean something
// depends on Type; the others are zero.
type Frame struct {
	Type Type
	// ID is the command id (SET, PULSE, HALT, ACK, NAK), the ping nonce
	// (PING, PONG), the event's sequence number (EV) or the last sequence
	// number sent (HB).
	ID      uint32
	Time    uint32          // board clock, µs (PONG, EV, ACK, HB)
	Input   hardware.Input  // EV
	Output  hardware.Output // SET, PULSE
	On      bool            // EV: entry (beam broken); SET: on
	Pulse   uint16          // PULSE: ms
	Token   uint16          // HELLO, HI, HB: the session token
	Version Version         // HELLO, HI
	Holes   uint8           // HI
	Count   uint32          // HB: corrupt frames the board has received
	Text    string          // HI: firmware version; NAK, BYE: reason
}

// CRC8 is the frame checksum: CRC-8 with polynomial 0x07, initial value 0,
// no reflection, no final XOR (CRC-8/SMBUS; "123456789" gives 0xF4).
func CRC8(b []byte) uint8 {
	var c uint8
	for _, x := range b {
		c ^= x
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x07
			} else {
				c <<= 1
			}
		}
	}
	return c
}

// ParseFrame decodes one line, with or without its line end.
func ParseFrame(line []byte) (Frame, error) {
	if len(line) > MaxFrame {
		return Frame{}, fmt.Errorf("%w: %d bytes, longer than %d", ErrMalformed, len(line), MaxFrame)
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	star := bytes.LastIndexByte(line, '*')
	if star < 0 || len(line)-star != 3 {
		return Frame{}, fmt.Errorf("%w: no *checksum at the end", ErrMalformed)
	}
	body := line[:star]
	sum, ok := unhex2(line[star+1:])
	if !ok {
		return Frame{}, fmt.Errorf("%w: checksum %q is not two hex digits", ErrMalformed, line[star+1:])
	}
	for _, c := range body {
		if c < ' ' || c > '~' || c == '*' {
			return Frame{}, fmt.Errorf("%w: byte 0x%02x in the body", ErrMalformed, c)
		}
	}
	if got := CRC8(body); got != sum {
		return Frame{}, fmt.Errorf("%w: %02X, computed %02X", ErrChecksum, sum, got)
	}
	f := bytes.Split(body, []byte(" "))
	for _, x := range f {
		if len(x) == 0 {
			return Frame{}, fmt.Errorf("%w: empty field", ErrMalformed)
		}
	}
	t := lookupType(f[0])
	if t == 0 {
		return Frame{}, fmt.Errorf("%w: %q", ErrUnknownType, f[0])
	}
	if len(f)-1 < fields[t] {
		return Frame{}, fmt.Errorf("%w: %v has %d fields, needs %d", ErrMalformed, t, len(f)-1, fields[t])
	}
	fr, err := decode(t, f[1:])
	if err != nil {
		return Frame{}, fmt.Errorf("%w: %v: %w", ErrMalformed, t, err)
	}
	return fr, nil
}

func lookupType(name []byte) Type {
	for t, n := range typeNames {
		if n != "" && string(name) == n {
			return Type(t)
		}
	}
	return 0
}

// decode reads the fields of a frame of type t (its name removed).
func decode(t Type, a [][]byte) (Frame, error) {
	f := Frame{Type: t}
	var err error
	switch t {
	case TypeHello:
		f.Version, err = parseVersion(a[0])
		f.Token, err = tokenOr(err, a[1])
	case TypeHi:
		f.Version, err = parseVersion(a[0])
		f.Text, err = textOr(err, a[1])
		f.Holes, err = holesOr(err, a[2])
		f.Token, err = tokenOr(err, a[3])
	case TypePing, TypeHalt:
		f.ID, err = u32(a[0])
	case TypePong, TypeAck:
		f.ID, err = u32(a[0])
		f.Time, err = u32Or(err, a[1])
	case TypeEvent:
		f.ID, err = u32(a[0])
		f.Time, err = u32Or(err, a[1])
		f.Input, err = inputOr(err, a[2])
		f.On, err = bitOr(err, a[3])
	case TypeSet:
		f.ID, err = u32(a[0])
		f.Output, err = outputOr(err, a[1])
		f.On, err = bitOr(err, a[2])
	case TypePulse:
		f.ID, err = u32(a[0])
		f.Output, err = outputOr(err, a[1])
		f.Pulse, err = pulseOr(err, a[2])
	case TypeNak:
		f.ID, err = u32(a[0])
		f.Text, err = textOr(err, a[1])
	case TypeBeat:
		f.Time, err = u32(a[0])
		f.ID, err = u32Or(err, a[1])
		f.Token, err = tokenOr(err, a[2])
		f.Count, err = u32Or(err, a[3])
	case TypeBye:
		f.Text, err = textOr(nil, a[0])
	}
	return f, err
}

// Append appends the frame's wire form, line end included.
func (f Frame) Append(b []byte) []byte {
	start := len(b)
	b = append(b, f.Type.String()...)
	num := func(v uint32) { b = append(b, ' '); b = strconv.AppendUint(b, uint64(v), 10) }
	word := func(s string) { b = append(b, ' '); b = append(b, s...) }
	bit := func(on bool) {
		if on {
			word("1")
		} else {
			word("0")
		}
	}
	switch f.Type {
	case TypeHello:
		word(f.Version.String())
		word(fmt.Sprintf("%04X", f.Token))
	case TypeHi:
		word(f.Version.String())
		word(f.Text)
		num(uint32(f.Holes))
		word(fmt.Sprintf("%04X", f.Token))
	case TypePing, TypeHalt:
		num(f.ID)
	case TypePong, TypeAck:
		num(f.ID)
		num(f.Time)
	case TypeEvent:
		num(f.ID)
		num(f.Time)
		word(InputName(f.Input))
		bit(f.On)
	case TypeSet:
		num(f.ID)
		word(OutputName(f.Output))
		bit(f.On)
	case TypePulse:
		num(f.ID)
		word(OutputName(f.Output))
		num(uint32(f.Pulse))
	case TypeNak:
		num(f.ID)
		word(f.Text)
	case TypeBeat:
		num(f.Time)
		num(f.ID)
		word(fmt.Sprintf("%04X", f.Token))
		num(f.Count)
	case TypeBye:
		word(f.Text)
	}
	return append(b, '*', hexDigits[CRC8(b[start:])>>4], hexDigits[CRC8(b[start:])&0xF], '\n')
}

// String is the frame's wire form without checksum and line end, for logs.
func (f Frame) String() string {
	b := f.Append(nil)
	return string(b[:len(b)-4])
}

const hexDigits = "0123456789ABCDEF"

func unhex2(b []byte) (uint8, bool) {
	if len(b) != 2 {
		return 0, false
	}
	var v uint8
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, false
		}
		v = v<<4 | d
	}
	return v, true
}
