// Package sdnotify speaks systemd's service notification protocol
// (sd_notify(3)): a datagram of KEY=VALUE lines to the socket named by
// $NOTIFY_SOCKET. With Type=notify the unit is "started" only once the
// daemon says READY=1 (its API listening, its chambers wired), and with
// WatchdogSec= systemd restarts a daemon that stops saying WATCHDOG=1.
// Outside systemd NOTIFY_SOCKET is unset and every call does nothing.
package sdnotify

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Notify sends state (e.g. "READY=1", "STOPPING=1", "WATCHDOG=1",
// "STATUS=..."; several lines at once are allowed). It does nothing when
// the daemon is not run by systemd.
func Notify(state string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil
	}
	if path[0] == '@' { // an abstract socket
		path = "\x00" + path[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	return nil
}

// WatchdogInterval returns how often systemd expects WATCHDOG=1 (its
// WatchdogSec=), or false when no watchdog watches this process.
func WatchdogInterval() (time.Duration, bool) {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0, false
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0, false // meant for another process
	}
	return time.Duration(usec) * time.Microsecond, true
}
