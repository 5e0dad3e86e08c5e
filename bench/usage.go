package bench

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Usage is this process's CPU time and peak memory.
type Usage struct {
	CPU    time.Duration // user + system
	MaxRSS int64         // bytes
	OK     bool          // false: the kernel did not say
}

// ReadUsage reads this process's usage so far.
func ReadUsage() Usage {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return Usage{}
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return Usage{CPU: cpu, MaxRSS: ru.Maxrss * 1024, OK: true} // Linux reports maxrss in KiB
}

// Since is the CPU time spent since before, with the peak memory so far.
func (u Usage) Since(before Usage) Usage {
	return Usage{CPU: u.CPU - before.CPU, MaxRSS: u.MaxRSS, OK: u.OK && before.OK}
}

// cpuTimes is the machine's busy and total CPU time from /proc/stat.
type cpuTimes struct{ busy, total uint64 }

func (c cpuTimes) busyFraction(before cpuTimes) float64 {
	if c.total <= before.total {
		return 0
	}
	return float64(c.busy-before.busy) / float64(c.total-before.total)
}

func machineBusy() (cpuTimes, bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuTimes{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return cpuTimes{}, false
	}
	fields := strings.Fields(sc.Text()) // cpu user nice system idle iowait irq softirq steal ...
	if len(fields) < 9 || fields[0] != "cpu" {
		return cpuTimes{}, false
	}
	var c cpuTimes
	for i, f := range fields[1:9] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuTimes{}, false
		}
		c.total += v
		if i != 3 && i != 4 { // idle, iowait
			c.busy += v
		}
	}
	return c, true
}

// KernelRelease is the running Linux kernel's release, "?" if unknown.
func KernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}
