package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/internal/sdnotify"
	"github.com/fivechoice/fivechoice/storage"
)

// Watchdog bounds: a runner is wedged when a deadline is this much
// overdue; the writer when writes wait this long with no commit and no
// error (longer than its own retries: storage.DefaultRetryFor plus a busy
// timeout).
const (
	runnerGrace  = 30 * time.Second
	writerBound  = 2 * time.Minute
	notifyFailed = "sd_notify failed; systemd may not see the daemon's state"
)

// notifyReady tells systemd (Type=notify) that the daemon serves.
func notifyReady(log *slog.Logger, chambers int, addr string) {
	if err := sdnotify.Notify(fmt.Sprintf("READY=1\nSTATUS=%d chambers, API on %s", chambers, addr)); err != nil {
		log.Warn(notifyFailed, "err", err)
	}
}

// notifyStopping tells systemd the daemon is ending its sessions.
func notifyStopping(log *slog.Logger) {
	if err := sdnotify.Notify("STOPPING=1\nSTATUS=stopping: ending sessions"); err != nil {
		log.Warn(notifyFailed, "err", err)
	}
}

// watchdog feeds systemd's watchdog (WatchdogSec=) at half its interval
// while every runner and the storage writer are alive, and stops feeding
// it, saying why, when one is wedged: systemd then restarts the daemon and
// ExecStopPost= switches every output off, instead of a chamber staying
// frozen with its lights and dispenser as they were.
func watchdog(ctx context.Context, log *slog.Logger, sup *controller.Supervisor, w *storage.Writer) {
	every, ok := sdnotify.WatchdogInterval()
	if !ok {
		return
	}
	t := time.NewTicker(every / 2)
	defer t.Stop()
	var wedged string
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := sup.Wedged(runnerGrace)
		if err == nil {
			err = w.Stuck(writerBound)
		}
		if err != nil {
			if err.Error() != wedged {
				log.Error("wedged: no longer feeding systemd's watchdog, which will restart the daemon", "err", err)
				sdnotify.Notify("STATUS=wedged: " + err.Error())
			}
			wedged = err.Error()
			continue
		}
		wedged = ""
		if err := sdnotify.Notify("WATCHDOG=1"); err != nil {
			log.Warn(notifyFailed, "err", err)
		}
	}
}
