// fivechoice-board: reference firmware for the fivechoice serial I/O board,
// protocol 1.0 (docs/serial-protocol.md in the fivechoice repository).
//
// An Arduino-class board (Uno, Nano, Mega, Leonardo, ...) reads the
// chamber's beams and drives its lights and pellet dispenser for a host
// running fivechoice's hardware/serial backend.
//
//  - Inputs are polled in loop(), which never blocks: no delay(), and
//    nothing is written to Serial unless it fits in the transmit buffer.
//    An edge is stamped with micros() when the level first leaves its
//    stable value, and reported once the new level has held for
//    DEBOUNCE_US (a glitch that returns within DEBOUNCE_US is dropped).
//  - The pellet pulse is timed against micros(), not with delay().
//  - Every frame carries a CRC-8 (polynomial 0x07), as the host's.
//  - With nothing from the host for HOST_TIMEOUT_MS, every output goes off
//    and the board leaves the session (BYE).
//
// The repository's tests build it for the Uno and the Mega 2560 with
// Debian's AVR toolchain (firmware/Makefile) and run it on an emulated
// ATmega (firmware/simavr-harness, libsimavr) against the real host; it
// has not run on a physical board. Check the pins below, and run a session
// with `fivechoice` against the chamber, before using it with animals.

#include <Arduino.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------------------
// Configuration: edit to match the chamber's wiring.

#define FIRMWARE "fivechoice-board-1.2.0" // at most 24 characters, no spaces
const uint8_t PROTO_MAJOR = 1;
const uint8_t PROTO_MINOR = 2; // 1.1: PULSE SYNC; 1.2: SET SYNC
const long BAUD = 115200;

const uint8_t HOLES = 5; // 1 to 9
const uint8_t HOLE_PINS[HOLES] = {2, 3, 4, 5, 6};
const uint8_t MAG_PIN = 7;
const uint8_t STIM_PINS[HOLES] = {8, 9, 10, 11, 12};
const uint8_t HOUSE_PIN = A0;
const uint8_t MAGL_PIN = A1;
const uint8_t PELLET_PIN = A2;
const uint8_t SYNC_PIN = A3; // TTL to a video/photometry/ephys recorder (PULSE SYNC)

const uint8_t BEAM_BROKEN_LEVEL = LOW; // an input's level when its beam is broken
const bool INPUT_PULLUPS = true;
const uint8_t OUTPUT_ON_LEVEL = HIGH;

const uint32_t DEBOUNCE_US = 2000;
const uint32_t HEARTBEAT_MS = 500;
const uint32_t HOST_TIMEOUT_MS = 2000;
const uint16_t MAX_PULSE_MS = 10000;

// ---------------------------------------------------------------------------
// Protocol helpers.

const uint8_t MAX_FRAME = 96; // bytes, with checksum and line end

uint8_t crc8(const char *p, uint8_t n) {
  uint8_t c = 0;
  while (n--) {
    c ^= (uint8_t)*p++;
    for (uint8_t i = 0; i < 8; i++) c = (c & 0x80) ? (uint8_t)((c << 1) ^ 0x07) : (uint8_t)(c << 1);
  }
  return c;
}

// true once the board clock t has reached deadline (wrap-safe)
bool reached(uint32_t t, uint32_t deadline) { return (int32_t)(t - deadline) >= 0; }

// ---------------------------------------------------------------------------
// Beams.

const uint8_t BEAMS = HOLES + 1; // the holes, then the magazine

struct Beam {
  uint8_t pin;
  bool stable;   // debounced: broken?
  bool raw;      // last level read: broken?
  bool pending;  // raw left stable and has not settled yet
  uint32_t first; // when raw first left stable (the edge's time)
  uint32_t flip;  // when raw last changed
};
Beam beams[BEAMS];

// Input events wait here for the transmitter.
struct Event {
  uint32_t seq;
  uint32_t t;
  uint8_t beam;
  bool entry;
};
const uint8_t EVENT_RING = 32;
Event events[EVENT_RING];
uint8_t evHead = 0, evCount = 0;
uint32_t seq = 0;      // the latest sequence number given
uint32_t sentSeq = 0;  // the latest sent

void queueEvent(uint8_t beam, bool entry, uint32_t t) {
  seq++; // a dropped event still uses its number: the host sees the gap
  if (evCount == EVENT_RING) return;
  Event &e = events[(evHead + evCount) % EVENT_RING];
  e.seq = seq;
  e.t = t;
  e.beam = beam;
  e.entry = entry;
  evCount++;
}

void pollBeams() {
  for (uint8_t i = 0; i < BEAMS; i++) {
    Beam &b = beams[i];
    bool broken = digitalRead(b.pin) == BEAM_BROKEN_LEVEL;
    uint32_t now = micros();
    if (broken != b.raw) {
      b.raw = broken;
      b.flip = now;
      if (!b.pending && broken != b.stable) {
        b.pending = true;
        b.first = now;
      }
    }
    if (b.pending && now - b.flip >= DEBOUNCE_US) {
      b.pending = false;
      if (b.raw != b.stable) {
        b.stable = b.raw;
        queueEvent(i, b.stable, b.first);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Outputs. Index 0..HOLES-1: stimulus lights; then house, magazine light.

const uint8_t LIGHTS = HOLES + 2;
const uint8_t HOUSE = HOLES, MAGL = HOLES + 1;
uint8_t lightPin(uint8_t i) { return i < HOLES ? STIM_PINS[i] : (i == HOUSE ? HOUSE_PIN : MAGL_PIN); }

void drive(uint8_t pin, bool on) { digitalWrite(pin, on ? OUTPUT_ON_LEVEL : !OUTPUT_ON_LEVEL); }

// The pellet dispenser: a pulse of pelletLen µs, then a gap as long before
// a queued one starts.
bool pelletOn = false;
uint32_t pelletStart = 0, pelletLen = 0; // the current or latest pulse
uint8_t pelletQueued = 0;
uint32_t pelletFree = 0; // when the next pulse may start
bool pelletBusy = false; // a pulse or its gap is under way

void pelletTick(uint32_t now) {
  if (pelletOn && reached(now, pelletStart + pelletLen)) {
    drive(PELLET_PIN, false);
    pelletOn = false;
  }
  if (pelletBusy && !pelletOn && reached(now, pelletFree)) {
    if (pelletQueued > 0) {
      pelletQueued--;
      drive(PELLET_PIN, true);
      pelletOn = true;
      pelletStart = micros();
      pelletFree = pelletStart + 2 * pelletLen;
    } else {
      pelletBusy = false;
    }
  }
}

// pulse starts a pulse now, or queues it; it returns the board time the
// pulse starts.
const uint8_t MAX_QUEUED = 8; // pellets waiting behind the one under way

uint32_t pulse(uint16_t ms) {
  if (!pelletBusy) {
    drive(PELLET_PIN, true);
    uint32_t now = micros();
    pelletOn = pelletBusy = true;
    pelletStart = now;
    pelletLen = (uint32_t)ms * 1000UL;
    pelletFree = now + 2 * pelletLen;
    return now;
  }
  // Queued: starts when the dispenser is free (same length as the pulse
  // under way: the host always asks for the same length).
  uint32_t at = pelletFree + (uint32_t)pelletQueued * 2 * pelletLen;
  pelletQueued++;
  return at;
}

// The sync line: one pulse at a time; a pulse asked for while one is high
// extends it. Timed against micros() like the pellet.
bool syncOn = false;
uint32_t syncEnd = 0;

void syncTick(uint32_t now) {
  if (syncOn && reached(now, syncEnd)) {
    drive(SYNC_PIN, false);
    syncOn = false;
  }
}

uint32_t syncPulse(uint16_t ms) {
  drive(SYNC_PIN, true);
  uint32_t now = micros();
  syncOn = true;
  syncEnd = now + (uint32_t)ms * 1000UL;
  return now;
}

// SET SYNC (1.2): a barcode's edge, timed by the host; it takes the line
// over from a pulse under way.
uint32_t syncSet(bool on) {
  drive(SYNC_PIN, on);
  syncOn = false;
  return micros();
}

void allOff() {
  for (uint8_t i = 0; i < LIGHTS; i++) drive(lightPin(i), false);
  drive(PELLET_PIN, false);
  pelletOn = pelletBusy = false;
  pelletQueued = 0;
  drive(SYNC_PIN, false);
  syncOn = false;
}

// ---------------------------------------------------------------------------
// Session state.

bool inSession = false;
uint16_t token = 0;
uint32_t lastHostMs = 0;
uint32_t rxBad = 0;
uint32_t lastBeatMs = 0;

// Replies (HI, PONG, ACK, NAK, BYE) wait here for the transmitter.
enum Kind : uint8_t { R_HI, R_PONG, R_ACK, R_NAK, R_BYE };
struct Reply {
  Kind kind;
  uint32_t id;
  uint32_t t;
  const char *text;
};
const uint8_t REPLY_RING = 8;
Reply replies[REPLY_RING];
uint8_t rpHead = 0, rpCount = 0;
uint32_t lastCmdId = 0;
Reply lastCmdReply;

void queueReply(Kind kind, uint32_t id, uint32_t t, const char *text) {
  if (rpCount == REPLY_RING) return; // the host will send again
  Reply &r = replies[(rpHead + rpCount) % REPLY_RING];
  r.kind = kind;
  r.id = id;
  r.t = t;
  r.text = text;
  rpCount++;
}

// ---------------------------------------------------------------------------
// Receiving.

char rx[MAX_FRAME];
uint8_t rxLen = 0;
bool rxLong = false;

bool parseU32(const char *s, uint32_t *v) {
  if (!*s || strlen(s) > 10) return false;
  uint64_t x = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return false;
    x = x * 10 + (uint8_t)(*s - '0');
  }
  if (x > 0xFFFFFFFFULL) return false;
  *v = (uint32_t)x;
  return true;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// output index of a name: 0..HOLES-1 stimulus lights, HOUSE, MAGL, 100
// for the pellet, 101 for the sync line, 255 for none
uint8_t outputIndex(const char *s) {
  if (!strcmp(s, "HOUSE")) return HOUSE;
  if (!strcmp(s, "MAGL")) return MAGL;
  if (!strcmp(s, "PELLET")) return 100;
  if (!strcmp(s, "SYNC")) return 101;
  if (s[0] == 'S' && s[1] >= '1' && s[1] <= '9' && !s[2] && (uint8_t)(s[1] - '0') <= HOLES) return s[1] - '1';
  return 255;
}

// command executes SET, PULSE or HALT and queues its reply.
void command(char **f, uint8_t n) {
  uint32_t id;
  if (n < 2 || !parseU32(f[1], &id)) { rxBad++; return; }
  if (!inSession) { queueReply(R_NAK, id, 0, "nohello"); return; }
  if (id == lastCmdId) { // a repeat: the host missed our answer
    queueReply(lastCmdReply.kind, lastCmdReply.id, lastCmdReply.t, lastCmdReply.text);
    return;
  }
  Reply r = {R_ACK, id, 0, 0};
  if (!strcmp(f[0], "HALT")) {
    allOff();
    r.t = micros();
  } else if (n < 4) {
    r.kind = R_NAK; r.text = "badarg";
  } else if (!strcmp(f[0], "SET")) {
    uint8_t o = outputIndex(f[2]);
    bool on = !strcmp(f[3], "1");
    if (o == 255) { r.kind = R_NAK; r.text = "badout"; }
    else if (o == 100) { r.kind = R_NAK; r.text = "pulsed"; }
    else if (!on && strcmp(f[3], "0")) { r.kind = R_NAK; r.text = "badarg"; }
    else if (o == 101) r.t = syncSet(on);
    else { drive(lightPin(o), on); r.t = micros(); }
  } else { // PULSE
    uint32_t ms;
    uint8_t o = outputIndex(f[2]);
    if (o != 100 && o != 101) { r.kind = R_NAK; r.text = "notpulsed"; }
    else if (!parseU32(f[3], &ms) || ms < 1 || ms > MAX_PULSE_MS) { r.kind = R_NAK; r.text = "badarg"; }
    else if (o == 101) r.t = syncPulse((uint16_t)ms);
    else if (pelletBusy && pelletQueued >= MAX_QUEUED) { r.kind = R_NAK; r.text = "busy"; }
    else r.t = pulse((uint16_t)ms);
  }
  lastCmdId = id;
  lastCmdReply = r;
  queueReply(r.kind, r.id, r.t, r.text);
}

void hello(char **f, uint8_t n) {
  // HELLO <major.minor> <token>: always answered with HI, so that the host
  // can tell our version; a session only for our major version.
  if (n < 3 || strlen(f[2]) != 4) { rxBad++; return; }
  uint16_t tok = 0;
  for (uint8_t i = 0; i < 4; i++) {
    int d = hexDigit(f[2][i]);
    if (d < 0) { rxBad++; return; }
    tok = (uint16_t)(tok << 4 | d);
  }
  queueReply(R_HI, tok, 0, 0);
  if ((uint8_t)atoi(f[1]) != PROTO_MAJOR || !strchr(f[1], '.')) return;
  allOff();
  token = tok;
  inSession = true;
  rxBad = 0;
  seq = sentSeq = 0;
  evCount = 0;
  lastCmdId = 0;
}

// frame handles one received line (no line end).
void frame(char *line, uint8_t len) {
  if (len > 0 && line[len - 1] == '\r') line[--len] = 0;
  char *star = strrchr(line, '*');
  if (!star || line + len - star != 3) { rxBad++; return; }
  int h = hexDigit(star[1]), l = hexDigit(star[2]);
  if (h < 0 || l < 0 || crc8(line, (uint8_t)(star - line)) != (uint8_t)(h << 4 | l)) { rxBad++; return; }
  *star = 0;
  char *f[6];
  uint8_t n = 0;
  for (char *p = strtok(line, " "); p && n < 6; p = strtok(0, " ")) f[n++] = p;
  if (n == 0) { rxBad++; return; }
  lastHostMs = millis();
  if (!strcmp(f[0], "PING")) {
    uint32_t nonce;
    if (n < 2 || !parseU32(f[1], &nonce)) { rxBad++; return; }
    queueReply(R_PONG, nonce, micros(), 0);
  } else if (!strcmp(f[0], "HELLO")) {
    hello(f, n);
  } else if (!strcmp(f[0], "SET") || !strcmp(f[0], "PULSE") || !strcmp(f[0], "HALT")) {
    command(f, n);
  } // other types: a later minor version's; ignored
}

// receive reads what has arrived, a bounded amount per loop.
void receive() {
  for (uint8_t k = 0; k < 32 && Serial.available() > 0; k++) {
    char c = (char)Serial.read();
    if (c == '\n') {
      if (!rxLong && rxLen > 0) {
        rx[rxLen] = 0;
        frame(rx, rxLen);
      }
      rxLen = 0;
      rxLong = false;
    } else if (rxLen == MAX_FRAME - 2) {
      if (!rxLong) rxBad++;
      rxLong = true;
    } else if (!rxLong) {
      rx[rxLen++] = c;
    }
  }
}

// ---------------------------------------------------------------------------
// Transmitting: one frame at a time, written as the transmit buffer takes
// it, so loop() never waits on the serial port.

char tx[MAX_FRAME];
uint8_t txLen = 0, txPos = 0;

void put(const char *s) { while (*s && txLen < MAX_FRAME - 5) tx[txLen++] = *s++; }
void putU32(uint32_t v) { char b[11]; ultoa(v, b, 10); put(" "); put(b); }
void putWord(const char *s) { put(" "); put(s); }
void putHex4(uint16_t v) {
  const char *d = "0123456789ABCDEF";
  char b[6] = {' ', d[v >> 12], d[(v >> 8) & 15], d[(v >> 4) & 15], d[v & 15], 0};
  put(b);
}
void finish() {
  const char *d = "0123456789ABCDEF";
  uint8_t c = crc8(tx, txLen);
  tx[txLen++] = '*';
  tx[txLen++] = d[c >> 4];
  tx[txLen++] = d[c & 15];
  tx[txLen++] = '\n';
  txPos = 0;
}

void beamName(uint8_t i) {
  if (i < HOLES) { char b[4] = {' ', 'H', (char)('1' + i), 0}; put(b); }
  else putWord("MAG");
}

// nextFrame formats the next frame to send, if any: replies first, then
// events, then the heartbeat.
void nextFrame(uint32_t nowMs) {
  txLen = txPos = 0; // nothing left to send, whatever comes next
  if (rpCount > 0) {
    Reply &r = replies[rpHead];
    rpHead = (rpHead + 1) % REPLY_RING;
    rpCount--;
    switch (r.kind) {
      case R_HI: {
        char v[8];
        put("HI ");
        itoa(PROTO_MAJOR, v, 10); put(v); put(".");
        itoa(PROTO_MINOR, v, 10); put(v);
        putWord(FIRMWARE);
        putU32(HOLES);
        putHex4((uint16_t)r.id);
        break;
      }
      case R_PONG: put("PONG"); putU32(r.id); putU32(r.t); break;
      case R_ACK: put("ACK"); putU32(r.id); putU32(r.t); break;
      case R_NAK: put("NAK"); putU32(r.id); putWord(r.text); break;
      case R_BYE: put("BYE"); putWord(r.text); break;
    }
  } else if (evCount > 0) {
    Event &e = events[evHead];
    evHead = (evHead + 1) % EVENT_RING;
    evCount--;
    put("EV"); putU32(e.seq); putU32(e.t); beamName(e.beam); putWord(e.entry ? "1" : "0");
    sentSeq = e.seq;
  } else if (nowMs - lastBeatMs >= HEARTBEAT_MS) {
    lastBeatMs = nowMs;
    put("HB"); putU32(micros()); putU32(sentSeq); putHex4(token); putU32(rxBad);
  } else {
    return;
  }
  finish();
}

void transmit(uint32_t nowMs) {
  if (txPos == txLen) nextFrame(nowMs);
  if (txPos >= txLen) return;
  int room = Serial.availableForWrite();
  if (room <= 0) return;
  uint8_t n = (uint8_t)min(room, (int)(txLen - txPos));
  Serial.write((const uint8_t *)tx + txPos, n);
  txPos += n;
}

// ---------------------------------------------------------------------------

void setup() {
  for (uint8_t i = 0; i < LIGHTS; i++) pinMode(lightPin(i), OUTPUT);
  pinMode(PELLET_PIN, OUTPUT);
  pinMode(SYNC_PIN, OUTPUT);
  allOff();
  for (uint8_t i = 0; i < BEAMS; i++) {
    Beam &b = beams[i];
    b.pin = i < HOLES ? HOLE_PINS[i] : MAG_PIN;
    pinMode(b.pin, INPUT_PULLUPS ? INPUT_PULLUP : INPUT);
    b.stable = b.raw = digitalRead(b.pin) == BEAM_BROKEN_LEVEL; // a beam broken at boot is no edge
    b.pending = false;
  }
  Serial.begin(BAUD); // no while (!Serial): never wait for a host
}

void loop() {
  pollBeams();
  uint32_t now = micros();
  pelletTick(now);
  syncTick(now);
  receive();
  uint32_t nowMs = millis();
  if (inSession && nowMs - lastHostMs > HOST_TIMEOUT_MS) {
    allOff(); // the host has gone: leave nothing on
    inSession = false;
    token = 0;
    queueReply(R_BYE, 0, 0, "hostsilent");
  }
  transmit(nowMs);
}
