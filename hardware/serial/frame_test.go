package serial

import (
	"errors"
	"fmt"
	"testing"

	"github.com/fivechoice/fivechoice/hardware"
)

func TestCRC8CheckValue(t *testing.T) {
	// The catalogue's check value of CRC-8/SMBUS; the firmware's own
	// self-test uses the same one.
	if got := CRC8([]byte("123456789")); got != 0xF4 {
		t.Fatalf("CRC8(123456789) = %02X, want F4", got)
	}
}

// sign appends a frame body's checksum and line end.
func sign(body string) string { return fmt.Sprintf("%s*%02X\n", body, CRC8([]byte(body))) }

func TestParseFrame(t *testing.T) {
	for _, c := range []struct {
		line string
		want Frame
	}{
		{sign("HELLO 1.0 3FA2"), Frame{Type: TypeHello, Version: Version{1, 0}, Token: 0x3FA2}},
		{sign("HI 1.2 fw-1.0.0 5 3fa2"), Frame{Type: TypeHi, Version: Version{1, 2}, Text: "fw-1.0.0", Holes: 5, Token: 0x3FA2}},
		{sign("PING 17"), Frame{Type: TypePing, ID: 17}},
		{sign("PONG 17 4294967295"), Frame{Type: TypePong, ID: 17, Time: 4294967295}},
		{sign("EV 1 123456 H3 1"), Frame{Type: TypeEvent, ID: 1, Time: 123456, Input: hardware.Hole(3), On: true}},
		{sign("EV 2 123999 MAG 0"), Frame{Type: TypeEvent, ID: 2, Time: 123999, Input: hardware.Magazine}},
		{sign("SET 5 S3 1"), Frame{Type: TypeSet, ID: 5, Output: hardware.Stimulus(3), On: true}},
		{sign("SET 6 HOUSE 0"), Frame{Type: TypeSet, ID: 6, Output: hardware.HouseLight}},
		{sign("SET 7 MAGL 1"), Frame{Type: TypeSet, ID: 7, Output: hardware.MagazineLight, On: true}},
		{sign("PULSE 8 PELLET 50"), Frame{Type: TypePulse, ID: 8, Output: hardware.Pellet, Pulse: 50}},
		{sign("HALT 9"), Frame{Type: TypeHalt, ID: 9}},
		{sign("ACK 9 77"), Frame{Type: TypeAck, ID: 9, Time: 77}},
		{sign("NAK 9 badout"), Frame{Type: TypeNak, ID: 9, Text: "badout"}},
		{sign("HB 1000 12 3FA2 0"), Frame{Type: TypeBeat, Time: 1000, ID: 12, Token: 0x3FA2}},
		{sign("BYE hostsilent"), Frame{Type: TypeBye, Text: "hostsilent"}},
		// Later minor versions may append fields; CRLF line ends and a
		// lower-case checksum are accepted.
		{sign("EV 3 5 H1 1 extra"), Frame{Type: TypeEvent, ID: 3, Time: 5, Input: hardware.Hole(1), On: true}},
		{"PING 1*" + fmt.Sprintf("%02x", CRC8([]byte("PING 1"))) + "\r\n", Frame{Type: TypePing, ID: 1}},
	} {
		got, err := ParseFrame([]byte(c.line))
		if err != nil || got != c.want {
			t.Errorf("ParseFrame(%q) = %+v, %v; want %+v", c.line, got, err, c.want)
		}
	}
}

func TestParseFrameRefuses(t *testing.T) {
	long := "NAK 1 "
	for len(long) < MaxFrame {
		long += "x"
	}
	for _, c := range []struct {
		line string
		want error
	}{
		{"", ErrMalformed},
		{"PING 1\n", ErrMalformed},
		{"PING 1*5\n", ErrMalformed},
		{"PING 1*ZZ\n", ErrMalformed},
		{"PING 1*00\n", ErrChecksum},
		{"PING 1*00 \n", ErrMalformed},
		{sign("PING  1"), ErrMalformed},
		{sign("PING\t1"), ErrMalformed},
		{sign("PING -1"), ErrMalformed},
		{sign("PING +1"), ErrMalformed},
		{sign("PING 4294967296"), ErrMalformed},
		{sign("PONG 1"), ErrMalformed},
		{sign("EV 1 2 H0 1"), ErrMalformed},
		{sign("EV 1 2 H10 1"), ErrMalformed},
		{sign("EV 1 2 hole1 1"), ErrMalformed},
		{sign("EV 1 2 H1 2"), ErrMalformed},
		{sign("SET 1 PELLETS 1"), ErrMalformed},
		{sign("PULSE 1 PELLET 0"), ErrMalformed},
		{sign("PULSE 1 PELLET 10001"), ErrMalformed},
		{sign("HELLO 1 3FA2"), ErrMalformed},
		{sign("HELLO 1.0 3FA"), ErrMalformed},
		{sign("HELLO 1.0 3FAG"), ErrMalformed},
		{sign("HELLO 256.0 3FA2"), ErrMalformed},
		{sign("HI 1.0 fw 0 3FA2"), ErrMalformed},
		{sign("HI 1.0 fw 10 3FA2"), ErrMalformed},
		{sign("NAK 1 " + "abcdefghijklmnopqrstuvwxy"), ErrMalformed},
		{sign("ping 1"), ErrUnknownType},
		{sign("STATUS 1"), ErrUnknownType},
		{sign(long), ErrMalformed},
		{"PI\x00NG 1*00\n", ErrMalformed},
	} {
		_, err := ParseFrame([]byte(c.line))
		if !errors.Is(err, c.want) {
			t.Errorf("ParseFrame(%q) = %v, want %v", c.line, err, c.want)
		}
	}
}

func TestAppendRoundTrip(t *testing.T) {
	for _, f := range []Frame{
		{Type: TypeHello, Version: Protocol, Token: 1},
		{Type: TypeHi, Version: Version{255, 255}, Text: "abcdefghijklmnopqrstuvwx", Holes: 9, Token: 0xFFFF},
		{Type: TypeEvent, ID: 4294967295, Time: 4294967295, Input: hardware.Magazine, On: true},
		{Type: TypeSet, ID: 1, Output: hardware.Stimulus(9)},
		{Type: TypePulse, ID: 2, Output: hardware.Pellet, Pulse: MaxPulse},
		{Type: TypeBeat, Time: 1, ID: 2, Token: 3, Count: 4294967295},
		{Type: TypeBye, Text: "hostsilent"},
	} {
		b := f.Append(nil)
		if len(b) > MaxFrame {
			t.Errorf("%v: %d bytes, more than %d", f, len(b), MaxFrame)
		}
		got, err := ParseFrame(b)
		if err != nil || got != f {
			t.Errorf("round trip of %q: %+v, %v", b, got, err)
		}
	}
}
