// simavr-harness: runs an AVR firmware (an ELF file) in libsimavr, paced to
// the wall clock, with its UART0 on a pseudo-terminal, so that a host can
// open the pty as the board's serial port. Tests drive the board's input
// pins through standard input and read every output pin change, with the
// cycle it happened at, on standard output.
//
// Why a harness of our own and not simavr's uart_pty part: that part has no
// header in Debian's libsimavr-dev, runs its own thread (no control over
// when a byte reaches the host), and does not pace the simulation; here one
// thread paces the AVR to CLOCK_MONOTONIC and does all the I/O between
// bursts, so every external event lands on a known cycle.
//
// usage: simavr-harness -m MCU [-f HZ] [-freeze-timer] [-link PATH] FIRMWARE.elf
//
// Standard output, one line each (cycles count from reset; the AVR's
// clock is HZ, so cycle c is c/HZ seconds of board time):
//
//	PTY <path>                     the pseudo-terminal, once it is ready
//	F <hz> <mono_ns>               the clock, and CLOCK_MONOTONIC at cycle 0
//	T <cycle>                      timer 0 started (Arduino's micros() counts from here)
//	U <cycle> <baud>               the firmware turned its UART's receiver on
//	O <cycle> <Pxn> <0|1>          an output pin changed (PD4: port D, bit 4)
//	I <cycle> <Pxn> <0|1> <mono_ns> an input level from standard input was applied
//	LAG <cycle> <ns>               the simulation fell that far behind the wall
//	                               clock (the machine stalled it) and caught up
//	SLIP <cycle> <ns>              it fell over a second behind and skipped ahead:
//	                               the board's clock lost that time
//	STATS cycles=... max_lag_ns=... slips=... min_sp=... ramend=... static_end=... realtime=0|1
//	                               on "Q", end of input or SIGTERM, before exiting:
//	                               max_lag_ns is the longest the harness woke up
//	                               later than it meant to (the machine was busy),
//	                               min_sp the lowest stack pointer seen.
//
// Standard input, one command a line:
//
//	P <Pxn> <0|1>   drive an input pin (a beam). Levels are applied at least
//	                50 µs of board time apart, so that levels written together
//	                make a glitch the firmware can see.
//	Q               print STATS and exit
//
// -freeze-timer stops timer 0 whenever the firmware starts it, so that
// micros() and millis() never advance, as on QEMU's AVR machines (whose
// timers are not implemented).
//
// Serial timing. simavr's UART makes received bytes readable one frame time
// apart at the baud rate the firmware set, and lets the firmware write one
// byte per frame time. It raises a transmitted byte when the firmware writes
// it to UDR, so the harness holds each byte back for one 8N1 frame time
// (10 bits) before writing it to the pty: it reaches the host when its stop
// bit would. simavr 1.6 counts a parity bit in every frame (11 bit times
// per byte), so the emulated line is about 10% slower than a real one at the
// same baud rate.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "avr_ioport.h"
#include "avr_uart.h"
#include "sim_avr.h"
#include "sim_elf.h"

// Registers at the same data address on the ATmega328P and ATmega2560.
enum {
	REG_UCSR0A = 0xC0, // bit 1: U2X0
	REG_UCSR0B = 0xC1, // bit 4: RXEN0
	REG_UBRR0L = 0xC4,
	REG_UBRR0H = 0xC5,
	REG_TCCR0B = 0x45, // timer 0's clock select in bits 0..2
};

#define LAG_REPORT_NS 20000000ULL // behind by more than this: say so
#define LAG_LIMIT_NS 1000000000ULL // behind by more than this: skip ahead
#define IDLE_NS 1000000LL        // longest sleep between bursts
#define SPACING_US 50            // board time between two input levels

typedef struct {
	uint64_t due; // cycle at which the byte has fully arrived
	uint8_t b;
} txbyte_t;

static struct {
	avr_t *avr;
	uint64_t hz;
	int64_t t0;      // CLOCK_MONOTONIC (ns) of cycle 0, as paced
	int master;      // pty master: the board's side of the line
	int slave;       // kept open, so the master never reads as hung up
	avr_irq_t *uart_in;
	int xoff;        // the UART's receive FIFO is full
	txbyte_t tx[4096];
	unsigned txhead, txlen;
	int blocked;     // the pty took no more: wait until it does
	uint8_t rx[256]; // bytes from the host not yet given to the UART
	unsigned rxpos, rxlen;
	char ctl[32];    // the control line being read (longer ones are cut, and refused)
	unsigned ctllen;
	char pending[64][32]; // control commands waiting for their turn
	unsigned pendhead, pendlen;
	uint64_t next_level; // cycle from which the next input level may be applied
	struct { uint8_t mask, value; } ext[26]; // driven input levels, per port
	int freeze, stop_timer, timer_started, realtime;
	uint16_t min_sp;
	uint32_t static_end; // first data address above .data and .bss
	uint64_t max_lag_ns;
	unsigned slips;
	volatile sig_atomic_t quit;
} h;

static int64_t mono_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t ns_to_cycles(int64_t ns) { return ns <= 0 ? 0 : (uint64_t)((__int128)ns * h.hz / 1000000000); }
static int64_t cycles_to_ns(uint64_t c) { return (int64_t)((__int128)c * 1000000000 / h.hz); }

static void die(const char *what) {
	fprintf(stderr, "simavr-harness: %s: %s\n", what, strerror(errno));
	exit(1);
}

// frame_cycles is one 8N1 frame at the baud rate the firmware set.
static uint64_t frame_cycles(void) {
	uint8_t *d = h.avr->data;
	uint32_t ubrr = d[REG_UBRR0L] | (uint32_t)(d[REG_UBRR0H] & 0x0F) << 8;
	uint32_t per_bit = (ubrr + 1) * ((d[REG_UCSR0A] & 2) ? 8 : 16);
	return 10ULL * per_bit;
}

static void uart_out(avr_irq_t *irq, uint32_t value, void *param) {
	(void)irq, (void)param;
	if (h.txlen == sizeof h.tx / sizeof h.tx[0]) return; // the host is not reading: lost, as on a line
	txbyte_t *t = &h.tx[(h.txhead + h.txlen++) % (sizeof h.tx / sizeof h.tx[0])];
	t->due = h.avr->cycle + frame_cycles();
	t->b = (uint8_t)value;
}

static void uart_xoff(avr_irq_t *irq, uint32_t value, void *param) {
	(void)irq, (void)param;
	h.xoff = value != 0;
}

static void uart_xon(avr_irq_t *irq, uint32_t value, void *param) {
	(void)irq, (void)param;
	if (value) h.xoff = 0;
}

// pin_changed reports a pin's change while the pin is an output.
static void pin_changed(avr_irq_t *irq, uint32_t value, void *param) {
	(void)irq;
	char port = (char)((uintptr_t)param >> 8);
	int bit = (int)((uintptr_t)param & 7);
	avr_ioport_state_t st;
	if (avr_ioctl(h.avr, AVR_IOCTL_IOPORT_GETSTATE(port), &st) != 0 || !(st.ddr & (1u << bit))) return;
	printf("O %llu P%c%d %u\n", (unsigned long long)h.avr->cycle, port, bit, value & 1);
}

// timer0_write learns when the firmware starts timer 0, and stops it again
// at once under -freeze-timer (after this write has been handled).
static void timer0_write(avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param) {
	(void)addr, (void)param;
	if (!(v & 7)) return;
	if (!h.timer_started) {
		h.timer_started = 1;
		printf("T %llu\n", (unsigned long long)avr->cycle);
	}
	if (h.freeze) h.stop_timer = 1;
}

// uart_enabled reports when the firmware turns the receiver on: from then
// on the board hears the host (bytes sent before are lost, as on a board).
static void uart_enabled(avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param) {
	(void)addr, (void)param;
	static int said;
	if (!(v & 0x10) || said) return;
	said = 1;
	uint64_t bit = frame_cycles() / 10;
	printf("U %llu %llu\n", (unsigned long long)avr->cycle, (unsigned long long)((h.hz + bit / 2) / bit));
}

static void stop_timer0(void) {
	avr_io_addr_t a = AVR_DATA_TO_IO(REG_TCCR0B);
	h.stop_timer = 0;
	h.avr->io[a].w.c(h.avr, REG_TCCR0B, 0, h.avr->io[a].w.param);
}

static void on_signal(int sig) {
	(void)sig;
	h.quit = 1;
}

static void stats(void) {
	printf("STATS cycles=%llu max_lag_ns=%llu slips=%u min_sp=%u ramend=%u static_end=%u realtime=%d\n",
	       (unsigned long long)h.avr->cycle, (unsigned long long)h.max_lag_ns, h.slips, h.min_sp,
	       h.avr->ramend, h.static_end, h.realtime);
	fflush(stdout);
}

// drive applies one control command; it returns 1 if it was an input level.
static int drive(const char *line) {
	char port;
	int bit, level;
	if (!strcmp(line, "Q")) {
		h.quit = 1;
		return 0;
	}
	if (sscanf(line, "P P%c%d %d", &port, &bit, &level) != 3 || port < 'A' || port > 'Z' || bit < 0 || bit > 7 ||
	    (level != 0 && level != 1)) {
		fprintf(stderr, "simavr-harness: bad command \"%s\" ignored\n", line);
		return 0;
	}
	avr_irq_t *irq = avr_io_getirq(h.avr, AVR_IOCTL_IOPORT_GETIRQ(port), bit);
	if (!irq) {
		fprintf(stderr, "simavr-harness: no port %c on this MCU\n", port);
		return 0;
	}
	// The level is the port's "external" one, so that the firmware writing
	// the port register (its pull-ups, or an output on the same port) does
	// not override it, as it would not on a board.
	int i = port - 'A';
	h.ext[i].mask |= (uint8_t)(1u << bit);
	h.ext[i].value = (uint8_t)((h.ext[i].value & ~(1u << bit)) | (unsigned)level << bit);
	avr_ioport_external_t e = {.name = (unsigned long)port, .mask = h.ext[i].mask, .value = h.ext[i].value};
	avr_ioctl(h.avr, AVR_IOCTL_IOPORT_SET_EXTERNAL(port), &e);
	avr_raise_irq(irq, (uint32_t)level);
	printf("I %llu P%c%d %d %lld\n", (unsigned long long)h.avr->cycle, port, bit, level, (long long)mono_ns());
	return 1;
}

// control reads standard input and applies what is due.
static void control(void) {
	char buf[256];
	ssize_t n;
	while ((n = read(0, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (h.ctllen < sizeof h.ctl - 1) h.ctl[h.ctllen++] = buf[i];
				continue;
			}
			h.ctl[h.ctllen] = 0;
			h.ctllen = 0;
			if (h.pendlen == 64) {
				fprintf(stderr, "simavr-harness: too many commands waiting; %s dropped\n", h.ctl);
				continue;
			}
			memcpy(h.pending[(h.pendhead + h.pendlen++) % 64], h.ctl, sizeof h.ctl);
		}
	}
	if (n == 0) h.quit = 1; // end of input: the test is done with us
	else if (errno != EAGAIN) die("read control");
	while (h.pendlen > 0 && h.avr->cycle >= h.next_level) {
		const char *line = h.pending[h.pendhead];
		h.pendhead = (h.pendhead + 1) % 64;
		h.pendlen--;
		if (drive(line)) h.next_level = h.avr->cycle + h.hz * SPACING_US / 1000000;
	}
}

// transfer moves bytes between the pty and the UART.
static void transfer(void) {
	size_t cap = sizeof h.tx / sizeof h.tx[0];
	uint8_t out[256];
	unsigned n = 0;
	while (n < h.txlen && h.tx[(h.txhead + n) % cap].due <= h.avr->cycle && n < sizeof out) {
		out[n] = h.tx[(h.txhead + n) % cap].b;
		n++;
	}
	// What the pty does not take now (the host is not reading) waits in
	// the queue, as in a USB bridge's buffer; when that is full too, bytes
	// are lost.
	ssize_t k = n > 0 ? write(h.master, out, n) : 0;
	if (k < 0) {
		if (errno == EIO) k = n; // nobody on the line: the bytes are gone
		else if (errno == EAGAIN) k = 0;
		else die("write pty");
	}
	h.txhead = (h.txhead + (unsigned)k) % cap;
	h.txlen -= (unsigned)k;
	h.blocked = (unsigned)k < n;
	if (h.rxpos == h.rxlen) {
		ssize_t k = read(h.master, h.rx, sizeof h.rx);
		h.rxpos = 0;
		h.rxlen = k > 0 ? (unsigned)k : 0;
		if (k < 0 && errno != EAGAIN && errno != EIO) die("read pty");
	}
	while (h.rxpos < h.rxlen && !h.xoff) avr_raise_irq(h.uart_in, h.rx[h.rxpos++]);
}

// run executes the AVR up to cycle target, handing transmitted bytes to
// the pty as they become due.
static void run(uint64_t target) {
	avr_t *avr = h.avr;
	while (avr->cycle < target) {
		int st = avr_run(avr);
		if (st == cpu_Done || st == cpu_Crashed) {
			fprintf(stderr, "simavr-harness: the AVR %s at cycle %llu, pc 0x%x\n",
			        st == cpu_Done ? "stopped" : "crashed", (unsigned long long)avr->cycle, avr->pc);
			stats();
			exit(2);
		}
		if (h.stop_timer) stop_timer0();
		uint16_t sp = (uint16_t)(avr->data[R_SPL] | avr->data[R_SPH] << 8);
		if (sp < h.min_sp) h.min_sp = sp;
		if (h.txlen > 0 && !h.blocked && h.tx[h.txhead].due <= avr->cycle) transfer();
	}
}

// catch_up runs the AVR until it is within 20 µs of the wall clock: a
// burst takes time itself, so it runs again for that time, and so on. When
// the machine stalled this process, the AVR catches up in a burst, so that
// its clock stays locked to the wall clock as a board's crystal does
// whatever its host is doing; nothing from outside reaches it until it has
// caught up. Only a stall of over a second (a machine too slow to run the
// AVR in real time) makes it skip ahead instead, its clock losing the time.
static void catch_up(void) {
	int said = 0;
	for (;;) {
		int64_t now = mono_ns();
		uint64_t target = ns_to_cycles(now - h.t0);
		if (target <= h.avr->cycle + h.hz / 50000) return;
		uint64_t lag = (uint64_t)cycles_to_ns(target - h.avr->cycle);
		if (lag > LAG_REPORT_NS && !said) {
			printf("LAG %llu %llu\n", (unsigned long long)h.avr->cycle, (unsigned long long)lag);
			said = 1;
		}
		if (lag > LAG_LIMIT_NS) {
			printf("SLIP %llu %llu\n", (unsigned long long)h.avr->cycle, (unsigned long long)lag);
			h.slips++;
			h.t0 = now - cycles_to_ns(h.avr->cycle);
			return;
		}
		run(target);
	}
}

static void open_pty(const char *link) {
	char name[128];
	if (openpty(&h.master, &h.slave, name, NULL, NULL) < 0) die("openpty");
	struct termios t;
	if (tcgetattr(h.slave, &t) < 0) die("tcgetattr");
	cfmakeraw(&t);
	if (tcsetattr(h.slave, TCSANOW, &t) < 0) die("tcsetattr");
	if (fcntl(h.master, F_SETFL, fcntl(h.master, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
	if (link) {
		unlink(link);
		if (symlink(name, link) < 0) die("symlink");
	}
	printf("PTY %s\n", name);
}

static void watch_pins(void) {
	for (char port = 'A'; port <= 'L'; port++) {
		for (int bit = 0; bit < 8; bit++) {
			avr_irq_t *irq = avr_io_getirq(h.avr, AVR_IOCTL_IOPORT_GETIRQ(port), bit);
			if (irq) avr_irq_register_notify(irq, pin_changed, (void *)(uintptr_t)(port << 8 | bit));
		}
	}
}

static void setup_uart(void) {
	uint32_t flags = 0;
	avr_ioctl(h.avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
	flags &= ~(uint32_t)(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POLL_SLEEP); // no console, no usleep on polling
	avr_ioctl(h.avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
	h.uart_in = avr_io_getirq(h.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
	avr_irq_register_notify(avr_io_getirq(h.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), uart_out, NULL);
	avr_irq_register_notify(avr_io_getirq(h.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF), uart_xoff, NULL);
	avr_irq_register_notify(avr_io_getirq(h.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON), uart_xon, NULL);
}

// pace is the harness's loop: catch the AVR up with the wall clock, move
// bytes and commands, sleep until the next byte is due or something
// arrives; until told to quit.
static void pace(void) {
	int64_t planned = h.t0; // when the loop meant to be awake again
	while (!h.quit) {
		int64_t late = mono_ns() - planned;
		if (late > 0 && (uint64_t)late > h.max_lag_ns) h.max_lag_ns = (uint64_t)late;
		catch_up();
		transfer();
		control();
		// Sleep until the next byte is due, a command may be applied, or
		// something arrives.
		int64_t wait = IDLE_NS;
		if (h.txlen > 0 && !h.blocked) wait = cycles_to_ns(h.tx[h.txhead].due) + h.t0 - mono_ns();
		if (h.pendlen > 0) {
			int64_t w = cycles_to_ns(h.next_level) + h.t0 - mono_ns();
			if (w < wait) wait = w;
		}
		if (wait > IDLE_NS) wait = IDLE_NS;
		if (wait < 0) wait = 0;
		short want = (h.rxpos == h.rxlen && !h.xoff ? POLLIN : 0) | (h.blocked ? POLLOUT : 0);
		struct pollfd fds[2] = {{.fd = 0, .events = POLLIN}, {.fd = h.master, .events = want}};
		int nfds = want ? 2 : 1;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = wait};
		planned = mono_ns() + wait;
		if (ppoll(fds, (nfds_t)nfds, &ts, NULL) < 0 && errno != EINTR) die("ppoll");
		if (fds[0].revents & (POLLHUP | POLLERR) && !(fds[0].revents & POLLIN)) h.quit = 1;
	}
}

static void usage(void) {
	fprintf(stderr, "usage: simavr-harness -m MCU [-f HZ] [-freeze-timer] [-link PATH] FIRMWARE.elf\n");
	exit(2);
}

int main(int argc, char **argv) {
	const char *mcu = NULL, *elf = NULL, *link = NULL;
	h.hz = 16000000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-m") && i + 1 < argc) mcu = argv[++i];
		else if (!strcmp(argv[i], "-f") && i + 1 < argc) h.hz = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-link") && i + 1 < argc) link = argv[++i];
		else if (!strcmp(argv[i], "-freeze-timer")) h.freeze = 1;
		else if (argv[i][0] != '-' && !elf) elf = argv[i];
		else usage();
	}
	if (!mcu || !elf || h.hz == 0) usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	elf_firmware_t fw;
	memset(&fw, 0, sizeof fw);
	if (elf_read_firmware(elf, &fw) != 0) {
		fprintf(stderr, "simavr-harness: cannot read %s\n", elf);
		return 1;
	}
	snprintf(fw.mmcu, sizeof fw.mmcu, "%s", mcu);
	fw.frequency = (uint32_t)h.hz;
	h.avr = avr_make_mcu_by_name(fw.mmcu);
	if (!h.avr) {
		fprintf(stderr, "simavr-harness: simavr does not know the MCU %s\n", mcu);
		return 1;
	}
	avr_init(h.avr);
	avr_load_firmware(h.avr, &fw);
	h.avr->log = LOG_WARNING;
	h.min_sp = h.avr->ramend;
	// .data and .bss follow each other from the start of SRAM, which is
	// where the ELF's data section is linked (0x800000 + address).
	h.static_end = (h.avr->ramend >= 0x2000 ? 0x200 : 0x100) + fw.datasize + fw.bsssize;

	setup_uart();
	watch_pins();
	avr_register_io_write(h.avr, REG_TCCR0B, timer0_write, NULL);
	avr_register_io_write(h.avr, REG_UCSR0B, uart_enabled, NULL);
	open_pty(link);
	if (fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK) < 0) die("fcntl stdin");
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);

	// A board's clock does not wait for the scheduler: wake up on time
	// (1 µs timer slack, not 50), and ahead of ordinary processes and of
	// the daemon under test (real-time priority 20; fivechoice serve asks
	// for 10), if this process may; without the privilege the pacing is
	// only as good as the machine is idle.
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	struct sched_param sp = {.sched_priority = 20};
	h.realtime = sched_setscheduler(0, SCHED_FIFO, &sp) == 0;

	h.t0 = mono_ns();
	printf("F %llu %lld\n", (unsigned long long)h.hz, (long long)h.t0);
	pace();
	stats();
	if (link) unlink(link);
	return 0;
}
