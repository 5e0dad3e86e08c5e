package serial

import (
	"bytes"
	"testing"
)

// FuzzParseFrame feeds the parser arbitrary lines, and the same bytes as a
// frame body with a correct checksum appended, so that the fuzzer gets past
// the checksum to the fields. The parser must never panic; a frame it
// accepts must have a valid shape, re-encode within MaxFrame and parse back
// to itself.
func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{
		"HELLO 1.0 3FA2", "HI 1.0 fivechoice-board-1.0.0 5 3FA2", "PING 1", "PONG 1 4294967295",
		"EV 1 123456 H3 1", "EV 2 0 MAG 0", "SET 5 S3 1", "SET 6 HOUSE 0", "SET 7 MAGL 1",
		"PULSE 8 PELLET 50", "HALT 9", "ACK 9 77", "NAK 9 badout", "HB 1000 12 3FA2 0", "BYE hostsilent",
		"EV 3 5 H1 1 extra",
	} {
		f.Add([]byte(sign(s)))
		f.Add([]byte(s))
	}
	f.Add([]byte("PING 1*00\n"))
	f.Add([]byte("EV 1 2 H1 1*zz\r\n"))
	f.Add([]byte("\xff\xfe garbage *"))
	f.Fuzz(func(t *testing.T, line []byte) {
		check(t, line)
		if !bytes.ContainsAny(line, "*\n") {
			check(t, []byte(sign(string(line))))
		}
	})
}

func check(t *testing.T, line []byte) {
	fr, err := ParseFrame(line)
	if err != nil {
		return
	}
	if fr.Type == 0 || int(fr.Type) >= len(typeNames) {
		t.Fatalf("accepted %q as type %d", line, fr.Type)
	}
	if fr.Type == TypeEvent && !fr.Input.Valid() || (fr.Type == TypeSet || fr.Type == TypePulse) && !fr.Output.Valid() {
		t.Fatalf("accepted %q with an invalid beam or output: %+v", line, fr)
	}
	b := fr.Append(nil)
	if len(b) > MaxFrame || bytes.Count(b, []byte("\n")) != 1 {
		t.Fatalf("%+v encodes as %q", fr, b)
	}
	back, err := ParseFrame(b)
	if err != nil || back != fr {
		t.Fatalf("%q parsed as %+v, which encodes as %q, which parses as %+v, %v", line, fr, b, back, err)
	}
}
