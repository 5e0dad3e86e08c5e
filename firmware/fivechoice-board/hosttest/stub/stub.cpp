// The Arduino stand-in's implementation and main(): fd 0 and 1 are the
// serial port (a pty master), fd 3 takes pin levels ("P <pin> <0|1>", one
// line per loop), fd 4 gets every output change ("W <micros> <pin>
// <level>").
#include "Arduino.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void setup();
void loop();

static uint8_t pins[256];
static uint8_t inbuf[4096];
static int inLen = 0, inPos = 0;
static char ctl[256];
static int ctlLen = 0;
SerialPort Serial;

static uint64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
static uint64_t boot;

uint32_t micros() { return (uint32_t)((nowNs() - boot) / 1000); }
uint32_t millis() { return (uint32_t)((nowNs() - boot) / 1000000); }
void pinMode(uint8_t, uint8_t) {}
int digitalRead(uint8_t pin) { return pins[pin]; }
void digitalWrite(uint8_t pin, uint8_t level) {
  if (pins[pin] == level) return;
  pins[pin] = level;
  dprintf(4, "W %u %u %u\n", micros(), pin, level);
}

void SerialPort::begin(long) { fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK); }
int SerialPort::available() {
  if (inPos == inLen) {
    inPos = 0;
    inLen = ::read(0, inbuf, sizeof inbuf);
    if (inLen < 0) inLen = 0; // EAGAIN, or EIO while no host has the port
  }
  return inLen - inPos;
}
int SerialPort::read() { return available() > 0 ? inbuf[inPos++] : -1; }
int SerialPort::availableForWrite() { return 64; }
size_t SerialPort::write(const uint8_t *p, size_t n) {
  ssize_t k = ::write(1, p, n);
  return k < 0 ? 0 : (size_t)k;
}

// control applies at most one pin level a loop, so that two levels
// written together make a glitch one loop long.
static void control() {
  char c;
  while (ctlLen < (int)sizeof ctl - 1 && ::read(3, &c, 1) == 1) {
    if (c != '\n') {
      ctl[ctlLen++] = c;
      continue;
    }
    ctl[ctlLen] = 0;
    ctlLen = 0;
    unsigned pin, level;
    if (sscanf(ctl, "P %u %u", &pin, &level) == 2 && pin < 256) pins[pin] = level;
    return;
  }
}

int main() {
  boot = nowNs() - 4294000000ULL * 1000; // the 32-bit micros() wraps about 1 s after start
  memset(pins, HIGH, sizeof pins);       // inputs pulled up: beams unbroken
  fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK);
  setup();
  for (;;) {
    control();
    loop();
    usleep(20); // an Arduino's loop takes tens of microseconds too
  }
}
