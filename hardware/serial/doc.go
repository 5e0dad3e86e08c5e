// Package serial is the serial I/O-board backend: a chamber whose beams and
// outputs are wired to a microcontroller board (an Arduino, say) that talks
// to the host over a USB serial port. The wire protocol is line-based
// ASCII with a CRC-8 on every frame; it is specified in
// docs/serial-protocol.md, and firmware/fivechoice-board is a reference
// implementation of the board's side.
//
// The board stamps every input edge with its own microsecond clock (R18).
// The chamber maps that clock onto session time with a model of its offset
// and drift, fitted to the heartbeat's PING/PONG exchanges (each weighted
// by how little its round trip exceeds the quickest) and refitted all
// session long, so an event's time never includes the time it took to
// reach the host. Output commands are acknowledged with the board time
// they took effect, mapped the same way.
//
// A board that is unplugged, goes silent, sends garbage or speaks another
// major version of the protocol fails its chamber: Events closes and Err
// says what happened, in words an operator can act on.
//
// Package emulator (hardware/serial/emulator) is a board on a
// pseudo-terminal, for tests and demonstrations.
package serial
