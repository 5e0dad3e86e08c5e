package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/controller/config"
	"github.com/fivechoice/fivechoice/controller/httpapi"
	"github.com/fivechoice/fivechoice/controller/metrics"
	"github.com/fivechoice/fivechoice/controller/timing"
	"github.com/fivechoice/fivechoice/controller/wiring"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/simulate"
	"github.com/fivechoice/fivechoice/storage"
)

// Shutdown bounds: sessions end within a runner step and their ends are
// committed at once, so half a minute is ample even on an SD card; after
// that, exiting with an error beats hanging under a service manager.
const (
	shutdownSessions = 30 * time.Second
	shutdownHTTP     = 5 * time.Second
	shutdownStorage  = 15 * time.Second // the unit's TimeoutStopSec=60 is above the sum
	// hardwareRecheck is how often a faulted chamber's hardware is looked
	// for again.
	hardwareRecheck = 5 * time.Second
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve [--config FILE] [--db FILE] [--listen ADDR] [--sim-speed N] [--sim-naive [--sim-seed N]]", stderr)
	cfgPath := fs.String("config", "", "configuration `file` (default: four simulated chambers; see 'fivechoice config example')")
	db := fs.String("db", "", "SQLite database `file`, overriding the configuration's (default "+config.DefaultDatabase+")")
	listen := fs.String("listen", "", "`host:port` of the API and /metrics, overriding the configuration's (default "+config.DefaultListen+")")
	speed := fs.Float64("sim-speed", 0, "run every simulated chamber `N` times faster than real time (paced virtual time, for demonstrations)")
	simSeed := fs.Uint64("sim-seed", 0, "with --sim-naive: the seed that draws the virtual cohort (the same seed, the same rats)")
	naive := fs.Bool("sim-naive", false, "every simulated chamber hosts each subject's own virtual rat, naive at first and learning from its stored sessions (to rehearse training; docs/training.md)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	cfg, err := serveConfig(*cfgPath, stdout)
	if err != nil {
		return err
	}
	if *db != "" {
		cfg.Database = *db
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	if *speed != 0 {
		if err := cfg.SetSimSpeed(*speed); err != nil {
			return fmt.Errorf("--sim-speed: %w", err)
		}
	}
	if *naive {
		cfg.SetSimLearns()
		cfg.SimSeed = *simSeed
	}
	return serve(ctx, cfg, stderr)
}

// serveConfig loads the configuration file, or makes the built-in one. The
// built-in one takes its token from FIVECHOICE_TOKEN, or generates one and
// prints it once on stdout: there is no file for it to come from, and a
// daemon without a token would be worse than one whose token changes at
// each start.
func serveConfig(path string, stdout io.Writer) (*config.Config, error) {
	if path != "" {
		return config.Load(path)
	}
	cfg := config.Default()
	if tok := os.Getenv(config.TokenEnv); tok != "" {
		if err := config.CheckToken(tok); err != nil {
			return nil, fmt.Errorf("%s: %w", config.TokenEnv, err)
		}
		cfg.Token, cfg.TokenSource = tok, "environment "+config.TokenEnv
		return cfg, nil
	}
	tok, err := config.GenerateToken()
	if err != nil {
		return nil, err
	}
	cfg.Token, cfg.TokenSource = tok, "generated for this run"
	if f, ok := stdout.(*os.File); ok && isTerminal(f) {
		fmt.Fprintf(stdout, "API token for this run (set %s or use --config to keep one):\n%s\n", config.TokenEnv, tok)
		return cfg, nil
	}
	// Not a terminal: a journal or a log file, which keep what they are
	// given for months and are read by more people than the API's users.
	// The token goes to a file only this user can read.
	if err := writePrivate(generatedTokenFile, tok+"\n"); err != nil {
		return nil, fmt.Errorf("generated token: %w", err)
	}
	abs, _ := filepath.Abs(generatedTokenFile)
	fmt.Fprintf(stdout, "API token for this run: in %s (readable by this user only; set %s or use --config to keep one)\n", abs, config.TokenEnv)
	return cfg, nil
}

// generatedTokenFile is where a generated token goes when standard output
// is not a terminal.
const generatedTokenFile = "fivechoice.token"

// writePrivate writes a file that only its owner can read, replacing any
// file of that name (whose mode may have been wider).
func writePrivate(path, content string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// newLogger makes the daemon's logger, on stderr (journald under systemd).
func newLogger(c config.Log, stderr io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(stderr, opts))
	}
	return slog.New(slog.NewTextHandler(stderr, opts))
}

// serve runs the daemon until ctx ends (SIGINT or SIGTERM), then stops
// every session (reason "stopped": the runner switches every output off),
// commits everything and returns nil.
func serve(ctx context.Context, cfg *config.Config, stderr io.Writer) error {
	log := newLogger(cfg.Log, stderr)
	log.Info("starting fivechoice", "version", version, "config", cfg)
	for _, w := range cfg.Warnings {
		log.Warn(w, "component", "config")
	}
	// Every GPIO output off before anything else, then the chambers'
	// hardware checked; then a port already taken fails before the
	// database is touched.
	if err := startHardware(cfg, log); err != nil {
		return err
	}
	ln, err := listen(cfg.Listen, log)
	if err != nil {
		return err
	}
	defer ln.Close()
	realtime := setRealtime(cfg.RealtimePriority, log)
	db, err := openStore(ctx, cfg.Database, log.With("component", "storage"))
	if err != nil {
		return err
	}
	defer db.Close()
	m := metrics.New(version, cfg.ChamberNames())
	if realtime {
		m.SetRealtimePriority(cfg.RealtimePriority)
	}
	w, err := db.NewWriter(storage.WithCommitInterval(cfg.CommitInterval), storage.WithLogger(log.With("component", "storage")),
		storage.WithCommitObserver(m.ObserveCommit), storage.WithLagWarning(cfg.CommitLagWarning),
		storage.WithThreadSetup(timing.LeaveRealtime))
	if err != nil {
		return err
	}
	defer w.Close()
	sched := newScheduler(log)
	defer sched.Close()
	learners := simulate.Learners{DB: db, Seed: cfg.SimSeed, Phenotype: rat.PhenotypeMixed}
	boxes, err := wiring.Boxes(cfg, wiring.Hooks{Log: log.With("component", "hardware"), HardwareError: m.HardwareError, Scheduler: sched, Learner: learners.Traits})
	if err != nil {
		return err
	}
	sup, err := controller.NewSupervisor(w, log.With("component", "supervisor"), boxes, m.Observer)
	if err != nil {
		return err
	}
	sup.OnStageChange(m.StageChange)
	if err := m.Watch(sup, w); err != nil {
		return err
	}
	sup.CheckHardware()
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	go sup.WatchHardware(watchCtx, hardwareRecheck)
	api, err := httpapi.New(httpapi.Options{Supervisor: sup, DB: db, Token: cfg.Token, Version: version,
		Log: log.With("component", "http"), Metrics: m.Handler(), Health: w.Err, Degraded: w.Degraded, Writer: w, Hosts: cfg.Hosts,
		NoResponse: cfg.NoResponseWarning})
	if err != nil {
		return err
	}
	srv := httpapi.NewServer(ln.Addr().String(), api, log.With("component", "http"))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("API listening", "component", "http", "addr", ln.Addr().String(), "chambers", len(boxes), "database", cfg.Database)
	notifyReady(log, len(boxes), ln.Addr().String())
	go watchdog(watchCtx, log.With("component", "watchdog"), sup, w)

	var failure error
	select {
	case <-ctx.Done():
		log.Info("stopping: ending running sessions with reason stopped")
		notifyStopping(log)
	case err := <-served:
		failure = fmt.Errorf("http server: %w", err)
		log.Error("the HTTP server failed; stopping", "err", err)
	}
	return errors.Join(failure, shutdown(sup, srv, w, log))
}

// listen opens the API's socket, warning when it reaches beyond this
// machine.
func listen(addr string, log *slog.Logger) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if ip, ok := ln.Addr().(*net.TCPAddr); ok && !ip.IP.IsLoopback() {
		log.Warn("the API listens beyond this machine: reads need no token and nothing is encrypted; put a TLS proxy in front", "addr", ln.Addr().String())
	}
	return ln, nil
}

// setRealtime asks for real-time priority and says whether it was given.
// Stimulus timing while other processes keep every core busy needs it
// (docs/timing.md); refused, the daemon still runs. It is set before the
// storage writer and the HTTP server start: they leave it, each on its own
// thread (timing.LeaveRealtime).
func setRealtime(priority int, log *slog.Logger) bool {
	policy, err := timing.SetRealtimePriority(priority)
	if err != nil {
		log.Warn("real-time priority refused; timers may be milliseconds late while other processes keep every core busy",
			"component", "timing", "err", err, "policy", policy, "hint", "run as root, or grant LimitRTPRIO= in the systemd unit, or set realtime_priority: 0")
		return false
	}
	log.Info("scheduling", "component", "timing", "policy", policy)
	return true
}

// openStore opens the database and marks the sessions a crash left
// running as interrupted; after such a crash it also checks the file.
func openStore(ctx context.Context, path string, log *slog.Logger) (*storage.DB, error) {
	db, err := storage.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	ids, err := db.RecoverInterrupted(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, id := range ids {
		log.Warn("session was running when the daemon last stopped (crash or power loss): marked interrupted, its data up to the last commit kept", "session", id)
	}
	if len(ids) > 0 {
		if err := db.IntegrityCheck(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s after a crash: %w", path, err)
		}
		log.Info("database intact after the crash", "path", path)
	}
	return db, nil
}

// shutdown ends every session (outputs off, ends on disk), stops the
// HTTP server and closes the writer, which commits what is queued.
func shutdown(sup *controller.Supervisor, srv *http.Server, w *storage.Writer, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownSessions)
	defer cancel()
	var errs []error
	if err := sup.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	hctx, hcancel := context.WithTimeout(context.Background(), shutdownHTTP)
	defer hcancel()
	if err := srv.Shutdown(hctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	closed := make(chan error, 1)
	go func() { closed <- w.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			errs = append(errs, fmt.Errorf("storage: %w", err))
		}
	case <-time.After(shutdownStorage):
		// The database has not taken the last writes (locked or failing):
		// exit within systemd's TimeoutStopSec rather than be killed.
		errs = append(errs, fmt.Errorf("storage: the last writes were not committed within %v; what was committed before is kept", shutdownStorage))
	}
	if err := errors.Join(errs...); err != nil {
		log.Error("stopped with errors", "err", err)
		return err
	}
	log.Info("stopped: every session ended and committed")
	return nil
}

// newScheduler is the one precision scheduler serving every chamber's
// deadlines (docs/timing.md).
func newScheduler(log *slog.Logger) *timing.Scheduler {
	sched := timing.New()
	if err := sched.Stats().Err; err != nil {
		log.Warn("precision scheduler degraded; timers may be late by about a millisecond", "component", "timing", "err", err)
	}
	return sched
}
