package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/fivechoice/fivechoice/controller/config"
	"github.com/fivechoice/fivechoice/controller/wiring"
)

// cmdOutputsOff switches every configured output off. The systemd unit
// runs it whenever the daemon has stopped (ExecStopPost=): after kill -9,
// a crash or an out-of-memory kill, a GPIO line keeps its level and a
// dispenser or a light would stay on.
func cmdOutputsOff(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("outputs-off", "outputs-off --config FILE   # every GPIO output off, every serial board halted", stderr)
	cfgPath := fs.String("config", "", "the daemon's configuration `file` (required)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *cfgPath == "" {
		fmt.Fprintln(stderr, "outputs-off: --config is required")
		fs.Usage()
		return errUsage
	}
	cfg, err := config.LoadChambers(*cfgPath)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	offs := wiring.OutputsOff(cfg, log)
	failed := 0
	for _, o := range offs {
		if o.Done != "" {
			fmt.Fprintf(stdout, "%s (%s): %s\n", o.Chamber, o.Backend, o.Done)
		}
		if o.Err != nil {
			failed++
			fmt.Fprintf(stdout, "%s (%s): NOT ALL OFF: %v\n", o.Chamber, o.Backend, o.Err)
		}
	}
	if len(offs) == 0 {
		fmt.Fprintln(stdout, "no GPIO or serial chambers: nothing to switch off")
	}
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("outputs-off: %d of %d chambers may still have outputs on", failed, len(offs))}
	}
	return nil
}

// startHardware switches every GPIO output off, before the daemon does
// anything else (after kill -9 or a power dip a line keeps its level). A
// chamber whose hardware is missing is left to the supervisor, which shows
// it faulted and checks it again: one unplugged board must not keep
// sixteen boxes from running. A chamber whose outputs are there but cannot
// be switched off stops the daemon: running other chambers beside a
// dispenser that may be stuck on is worse.
func startHardware(cfg *config.Config, log *slog.Logger) error {
	var errs []error
	for _, o := range wiring.GPIOOutputsOff(cfg) {
		switch {
		case o.Missing != nil:
			log.Error("chamber hardware missing at start-up; the chamber is faulted until it is back", "component", "hardware", "chamber", o.Chamber, "err", o.Missing)
		case o.Err != nil:
			errs = append(errs, fmt.Errorf("chamber %s: switching outputs off at start-up: %w", o.Chamber, o.Err))
		default:
			log.Info("outputs off", "component", "hardware", "chamber", o.Chamber, "done", o.Done)
		}
	}
	return errors.Join(errs...)
}
