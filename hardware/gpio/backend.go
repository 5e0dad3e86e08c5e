package gpio

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// lines is what the package needs of the kernel's GPIO character device.
// cdev.go implements it on go-gpiocdev (uAPI v2); the tests implement it
// with a fake.
type lines interface {
	// chips lists the GPIO chips of the machine by device name (gpiochipN).
	chips() ([]string, error)
	// chipInfo describes the chip at a device path (a symlink is followed);
	// an error if it does not exist or cannot be opened.
	chipInfo(path string) (chipInfo, error)
	// requestInputs requests lines as inputs with edge detection on both
	// edges, all in one request (one sequence of event numbers), and calls
	// handler for every edge, serially, from a goroutine of its own.
	requestInputs(chip string, ls []lineSpec, debounce time.Duration, handler func(edge)) (io.Closer, error)
	// requestOutput requests one line as an output, initially inactive.
	requestOutput(chip string, l lineSpec) (outputLine, error)
}

type chipInfo struct {
	name      string // gpiochipN: the device the path leads to
	label     string
	lines     int
	lineNames []string // by offset; "" for a line without a name
}

type lineSpec struct {
	offset    int
	activeLow bool
	bias      Bias
}

// An edge is a kernel line event.
type edge struct {
	offset    int
	active    bool          // the line became active (rising edge of the logical level)
	timestamp time.Duration // CLOCK_MONOTONIC
	seqno     uint32        // in the request, from 1
	lineSeqno uint32        // in the line, from 1
}

type outputLine interface {
	setValue(active bool) error
	Close() error
}

// host is the machine: its GPIO lines, its monotonic clock and its kernel.
type host struct {
	gpio          lines
	monotonic     func() time.Duration // CLOCK_MONOTONIC, the kernel's edge clock
	kernelRelease func() (string, error)
}

// system is this machine.
func system() host {
	return host{gpio: cdev{}, monotonic: monotonic, kernelRelease: kernelRelease}
}

// monotonic reads CLOCK_MONOTONIC, the clock of the kernel's edge
// timestamps (uAPI v2 default) and of Go's own monotonic time.
func monotonic() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		// CLOCK_MONOTONIC always exists on Linux; fail loudly if not.
		panic(fmt.Sprintf("gpio: clock_gettime(CLOCK_MONOTONIC): %v", err))
	}
	return time.Duration(ts.Nano())
}

func kernelRelease() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", fmt.Errorf("uname: %w", err)
	}
	return unix.ByteSliceToString(u.Release[:]), nil
}

// minKernel is the oldest kernel with everything used here: uAPI v2, with
// debounce and sequence numbers (5.10).
var minKernel = [2]int{5, 10}

// checkKernel refuses a kernel release older than minKernel.
func checkKernel(release string) error {
	v, ok := parseRelease(release)
	if !ok {
		return fmt.Errorf("gpio: cannot read kernel release %q", release)
	}
	if v[0] < minKernel[0] || v[0] == minKernel[0] && v[1] < minKernel[1] {
		return fmt.Errorf("%w: %s is older than %d.%d (GPIO uAPI v2 with debounce and event sequence numbers)", ErrOldKernel, release, minKernel[0], minKernel[1])
	}
	return nil
}

// parseRelease reads major.minor from a release such as 6.1.0-18-amd64.
func parseRelease(r string) ([2]int, bool) {
	parts := strings.SplitN(r, ".", 3)
	if len(parts) < 2 {
		return [2]int{}, false
	}
	major, err1 := strconv.Atoi(parts[0])
	end := strings.IndexFunc(parts[1], func(c rune) bool { return c < '0' || c > '9' })
	if end < 0 {
		end = len(parts[1])
	}
	minor, err2 := strconv.Atoi(parts[1][:end])
	if err1 != nil || err2 != nil {
		return [2]int{}, false
	}
	return [2]int{major, minor}, true
}
