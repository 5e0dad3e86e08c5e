package emulator

import (
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial"
)

// read takes the host's frames, line by line, until the pty closes.
func (b *Board) read() {
	defer b.wg.Done()
	buf := make([]byte, 512)
	var line []byte
	for {
		n, err := b.master.Read(buf)
		for _, c := range buf[:n] {
			if c != '\n' {
				if len(line) <= serial.MaxFrame {
					line = append(line, c)
				}
				continue
			}
			if len(line) > 0 {
				b.handle(line)
			}
			line = line[:0]
		}
		if err != nil {
			return
		}
	}
}

// a change the subject is to be told of
type change struct {
	o  hardware.Output
	on bool
}

// handle executes one frame from the host.
func (b *Board) handle(line []byte) {
	f, err := serial.ParseFrame(line)
	now := time.Now()
	b.mu.Lock()
	if b.silent {
		b.mu.Unlock()
		return
	}
	if err != nil {
		b.rxBad++
		b.mu.Unlock()
		b.log.Debug("emulator: corrupt frame from the host", "err", err)
		return
	}
	b.log.Debug("emulator: <", "frame", f.String())
	b.heard = now
	var out serial.Frame
	var told []change
	switch f.Type {
	case serial.TypeHello:
		out = serial.Frame{Type: serial.TypeHi, Version: b.cfg.version, Text: b.cfg.firmware, Holes: uint8(b.cfg.holes), Token: f.Token}
		if f.Version.Major != b.cfg.version.Major {
			break // answered, so that the host can tell, but no session
		}
		told = b.offLocked(now, "HELLO")
		b.token, b.attached, b.seq, b.lastID, b.rxBad = f.Token, true, 0, 0, 0
		b.pelletFree = now
		b.scriptLocked(now)
	case serial.TypePing:
		out = serial.Frame{Type: serial.TypePong, ID: f.ID, Time: b.Clock(now)}
	case serial.TypeSet, serial.TypePulse, serial.TypeHalt:
		switch {
		case !b.attached:
			out = serial.Frame{Type: serial.TypeNak, ID: f.ID, Text: "nohello"}
		case f.ID == b.lastID:
			out = b.lastReply // a repeat: answer again, do not act again
		default:
			out, told = b.commandLocked(f, now)
			b.lastID, b.lastReply = f.ID, out
		}
	default:
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	b.send(out)
	b.tell(told)
}

// commandLocked executes SET, PULSE or HALT. b.mu is held.
func (b *Board) commandLocked(f serial.Frame, now time.Time) (serial.Frame, []change) {
	nak := func(why string) (serial.Frame, []change) {
		return serial.Frame{Type: serial.TypeNak, ID: f.ID, Text: why}, nil
	}
	ack := func(at time.Time) serial.Frame {
		return serial.Frame{Type: serial.TypeAck, ID: f.ID, Time: b.Clock(at)}
	}
	switch f.Type {
	case serial.TypeHalt:
		told := b.offLocked(now, "HALT")
		b.pelletFree = now
		return ack(now), told
	case serial.TypePulse:
		if f.Output == hardware.Sync { // protocol 1.1: one pulse at a time, at once
			d := time.Duration(f.Pulse) * time.Millisecond
			b.outputs = append(b.outputs, OutputChange{Output: hardware.Sync, On: true, Board: b.Clock(now), Host: now, Pulse: d, Cause: "PULSE"})
			return ack(now), []change{{hardware.Sync, true}}
		}
		if f.Output != hardware.Pellet {
			return nak("notpulsed")
		}
		at := now
		if b.pelletFree.After(now) { // a pulse under way: this one follows after a gap
			at = b.pelletFree
		}
		d := time.Duration(f.Pulse) * time.Millisecond
		b.pelletFree = at.Add(2 * d)
		b.outputs = append(b.outputs, OutputChange{Output: hardware.Pellet, On: true, Board: b.Clock(at), Host: at, Pulse: d, Cause: "PULSE"})
		return ack(at), []change{{hardware.Pellet, true}}
	}
	if n, ok := f.Output.Stimulus(); ok && n > b.cfg.holes {
		return nak("badout")
	}
	if f.Output == hardware.Pellet || (f.Output == hardware.Sync && b.cfg.version.Minor < 2) { // SET SYNC: protocol 1.2
		return nak("pulsed")
	}
	b.levels[f.Output] = f.On
	b.outputs = append(b.outputs, OutputChange{Output: f.Output, On: f.On, Board: b.Clock(now), Host: now, Cause: "SET"})
	return ack(now), []change{{f.Output, f.On}}
}

// offLocked switches every output off. b.mu is held.
func (b *Board) offLocked(now time.Time, cause string) []change {
	var told []change
	for o, on := range b.levels {
		if on {
			b.levels[o] = false
			b.outputs = append(b.outputs, OutputChange{Output: hardware.Output(o), Board: b.Clock(now), Host: now, Cause: cause})
			told = append(told, change{hardware.Output(o), false})
		}
	}
	return told
}

// tell passes output changes to the subject.
func (b *Board) tell(told []change) {
	if b.cfg.subject == nil {
		return
	}
	for _, c := range told {
		b.cfg.subject.Output(beams{b}, c.o, c.on)
	}
}

// send writes a frame, unless the board is silent; a pending corruption
// spoils its checksum.
func (b *Board) send(f serial.Frame) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.sendLocked(f)
}

func (b *Board) sendLocked(f serial.Frame) {
	b.mu.Lock()
	silent, spoil := b.silent, b.corrupt > 0
	if spoil {
		b.corrupt--
	} else if f.Type == serial.TypeEvent && b.corruptEv > 0 {
		b.corruptEv--
		spoil = true
	}
	b.mu.Unlock()
	if silent {
		return
	}
	p := f.Append(nil)
	if spoil {
		i := len(p) - 2 // the checksum's last digit
		p[i] = "1032547698BADCFE"[hexValue(p[i])]
	}
	b.log.Debug("emulator: >", "frame", string(p[:len(p)-1]))
	b.write(p)
}

func hexValue(c byte) int {
	if c >= 'A' {
		return int(c-'A') + 10
	}
	return int(c - '0')
}

// write puts bytes on the wire; a host that does not read loses them after
// a second, as a board's full transmit buffer would.
func (b *Board) write(p []byte) {
	b.master.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := b.master.Write(p); err != nil {
		b.log.Debug("emulator: write", "err", err)
	}
}

// tick sends the heartbeat while a host is around, and leaves the session
// when the host has gone silent.
func (b *Board) tick() {
	defer b.wg.Done()
	beat := time.NewTicker(b.cfg.beat)
	defer beat.Stop()
	check := time.NewTicker(10 * time.Millisecond)
	defer check.Stop()
	for {
		select {
		case <-b.done:
			return
		case <-beat.C:
			b.beat()
		case <-check.C:
			b.checkHost()
		}
	}
}

func (b *Board) beat() {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.mu.Lock()
	now := time.Now()
	around := !b.heard.IsZero() && now.Sub(b.heard) < 5*time.Second // no host, no heartbeat to pile up in the pty
	f := serial.Frame{Type: serial.TypeBeat, Time: b.Clock(now), ID: b.seq, Token: b.token, Count: b.rxBad}
	b.mu.Unlock()
	if around {
		b.sendLocked(f)
	}
}

func (b *Board) checkHost() {
	b.mu.Lock()
	now := time.Now()
	late := now.Sub(b.checked) > 200*time.Millisecond // the process stalled: the host's frames may be unread
	b.checked = now
	if late || !b.attached || b.silent || now.Sub(b.heard) <= b.cfg.hostTimeout {
		b.mu.Unlock()
		return
	}
	told := b.offLocked(now, "TIMEOUT")
	b.attached, b.token, b.pelletFree = false, 0, now
	timeout := b.cfg.hostTimeout
	b.mu.Unlock()
	b.log.Info("emulator: host silent: outputs off, session left", "timeout", timeout)
	b.send(serial.Frame{Type: serial.TypeBye, Text: "hostsilent"})
	b.tell(told)
}
