// A stand-in for the Arduino core, so that the reference firmware can be
// built and run on a Linux host for tests (see ../hosttest_test.go). It is
// not a simulator of any board: pins are an array, time is
// CLOCK_MONOTONIC, Serial is file descriptors 0 and 1.
#pragma once
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>

#define HIGH 1
#define LOW 0
#define INPUT 0
#define OUTPUT 1
#define INPUT_PULLUP 2
#define A0 14
#define A1 15
#define A2 16
#define A3 17

void pinMode(uint8_t pin, uint8_t mode);
int digitalRead(uint8_t pin);
void digitalWrite(uint8_t pin, uint8_t level);
uint32_t micros();
uint32_t millis();

template <class A, class B> auto min(A a, B b) { return a < b ? a : b; } // Arduino's is a macro

static inline char *ultoa(unsigned long v, char *s, int base) {
  (void)base;
  sprintf(s, "%lu", v);
  return s;
}
static inline char *itoa(int v, char *s, int base) {
  (void)base;
  sprintf(s, "%d", v);
  return s;
}

struct SerialPort {
  void begin(long baud);
  int available();
  int read();
  int availableForWrite();
  size_t write(const uint8_t *p, size_t n);
};
extern SerialPort Serial;
