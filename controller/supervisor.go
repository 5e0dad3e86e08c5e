package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fivechoice/fivechoice/controller/timing"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// Errors of the supervisor, told apart with errors.Is.
var (
	ErrUnknownChamber = errors.New("unknown chamber")
	ErrBusy           = errors.New("chamber busy")
	ErrNoSession      = errors.New("no such running session")
	ErrShuttingDown   = errors.New("shutting down")
	// ErrUnavailable is a chamber that cannot run a session now: disabled
	// in the configuration, or its hardware missing (faulted).
	ErrUnavailable = errors.New("chamber unavailable")
)

// An Opener connects a chamber's hardware for one session run with
// parameters p and seed, for a subject (which real hardware ignores; a
// simulated chamber may host that subject's own virtual rat). The timeline
// is nil for real time (a simulated chamber on virtual time returns
// itself).
type Opener func(p protocols.Params, seed uint64, subject string) (hardware.Chamber, Timeline, error)

// A Box is one chamber the supervisor runs sessions on.
type Box struct {
	Name    string
	Backend string
	// Open connects the chamber's hardware for one session. The timeline is
	// nil for real time (a simulated chamber on virtual time returns
	// itself).
	Open Opener
	// Scheduler fires the deadlines of this chamber's real-time sessions;
	// one is shared by every chamber. Nil uses Go's timers.
	Scheduler *timing.Scheduler
	// InputLatency is the chamber's Session.InputLatency.
	InputLatency time.Duration
	// Check, if set, says whether the chamber's hardware is there (a
	// serial port, a GPIO chip and its lines) without driving it. A
	// chamber whose check fails is shown faulted, refuses sessions, and is
	// checked again (WatchHardware) until it is back: one unplugged board
	// must not keep the daemon, and every other chamber, from starting.
	Check func() error
	// Disabled chambers are listed but never run a session (the
	// configuration's disabled: true, for a chamber under repair).
	Disabled bool
	// Sync says the chamber has a sync line to pulse (Setup.Sync), and
	// Barcode what follows each pulse (Setup.Barcode).
	Sync    bool
	Barcode Barcode
}

// An ObserverFactory makes the metrics observer of one session.
type ObserverFactory func(chamber string, plan Plan, id string) Observer

// Supervisor runs sessions on many chambers at once. Each session runs on
// its own goroutine with its own chamber; a fault in one chamber ends only
// that chamber's session (end reason "aborted", the fault recorded), and
// the others carry on.
type Supervisor struct {
	w        *storage.Writer
	log      *slog.Logger
	observer ObserverFactory

	mu       sync.Mutex
	boxes    map[string]*box
	wg       sync.WaitGroup
	shutdown bool
	changes  changes
	onStage  func(chamber string, c storage.StageChange)
}

// OnStageChange sets what is told of each training stage change a
// session's end committed (the metrics count them). Call it before any
// session starts.
func (s *Supervisor) OnStageChange(f func(chamber string, c storage.StageChange)) { s.onStage = f }

type box struct {
	Box
	run   *running
	last  *LastSession
	fault string // why the hardware check fails; "" while it passes
}

// LastSession is how a chamber's most recent session ended, kept in memory
// so that the API can report a fault even when it could not be recorded
// (a full disk).
type LastSession struct {
	ID        string    `json:"id"`
	Subject   string    `json:"subject"`
	EndReason string    `json:"end_reason"`
	Error     string    `json:"error,omitempty"`
	EndedAt   time.Time `json:"ended_at"`
}

// running is a session in progress and its live view.
type running struct {
	id      string
	plan    Plan
	started time.Time
	cancel  context.CancelFunc
	done    chan struct{}

	// log is the session's record, once it has begun: how far it is
	// committed.
	log atomic.Pointer[storage.SessionLog]

	// The live view, as of the latest step: the summary is worked out from
	// the tally only when someone reads the view.
	mu      sync.Mutex
	state   protocols.State
	attempt int
	tally   protocols.Tally
	// lastInput is the wall-clock time of the latest input (inputWatch);
	// zero before the first.
	lastInput time.Time
	// now is the session time of the latest step; recent the outcomes of
	// the last finished attempts, oldest first (the page's strip).
	now    time.Duration
	recent []protocols.Outcome
	// notify tells the supervisor's waiters of a change (Changed).
	notify func()
	// stepped is when the runner last reported a step, and gap how long
	// after it, in session time, its next deadline was (-1: none): a
	// runner that has not stepped well past that deadline is wedged.
	stepped time.Time
	gap     time.Duration
}

// NewSupervisor returns a supervisor recording through w.
func NewSupervisor(w *storage.Writer, log *slog.Logger, boxes []Box, observer ObserverFactory) (*Supervisor, error) {
	s := &Supervisor{w: w, log: log, observer: observer, boxes: map[string]*box{}}
	for _, b := range boxes {
		if _, dup := s.boxes[b.Name]; dup {
			return nil, fmt.Errorf("chamber %q: defined twice", b.Name)
		}
		s.boxes[b.Name] = &box{Box: b}
	}
	return s, nil
}

// Start begins a session on a chamber and returns its id once the session
// is recorded; the session runs on until it ends or is stopped. This is
// where the parameters of a session started over the API or by a study are
// checked, the one time they are, before the chamber's hardware is opened:
// a refused set comes back as a *protocols.ParamError.
func (s *Supervisor) Start(chamber string, plan Plan) (string, error) {
	ps, err := protocols.NewSession(plan.Params)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		return "", ErrShuttingDown
	}
	b, ok := s.boxes[chamber]
	if !ok {
		s.mu.Unlock()
		return "", fmt.Errorf("chamber %q: %w", chamber, ErrUnknownChamber)
	}
	if b.run != nil {
		s.mu.Unlock()
		return "", fmt.Errorf("chamber %q runs session %s: %w", chamber, b.run.id, ErrBusy)
	}
	if b.Disabled {
		s.mu.Unlock()
		return "", fmt.Errorf("chamber %q is disabled in the configuration: %w", chamber, ErrUnavailable)
	}
	if b.fault != "" {
		s.mu.Unlock()
		return "", fmt.Errorf("chamber %q is faulted (%s; checked again every few seconds): %w", chamber, b.fault, ErrUnavailable)
	}
	if plan.ID == "" {
		plan.ID = storage.NewID()
	}
	plan.Chamber, plan.Backend = chamber, b.Backend
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{id: plan.ID, plan: plan, started: time.Now(), cancel: cancel, done: make(chan struct{}), notify: s.changes.notify}
	// Reserve the chamber, then open its hardware without holding the lock:
	// a board's handshake must not stall every other chamber's live view.
	b.run = r
	s.wg.Add(1)
	s.mu.Unlock()
	ch, tl, err := b.Open(plan.Params, plan.Params.Seed, plan.Subject)
	if err != nil {
		s.mu.Lock()
		b.run = nil
		s.mu.Unlock()
		s.changes.notify()
		cancel()
		close(r.done)
		s.wg.Done()
		return "", fmt.Errorf("chamber %q: %w", chamber, err)
	}
	var obs Observer
	if s.observer != nil {
		obs = s.observer(chamber, plan, plan.ID)
	}
	obs = r.watchInputs(obs)
	sess := Setup{Protocol: ps, Chamber: ch, Timeline: tl, Observer: obs, Progress: r.progress, Scheduler: b.Scheduler, InputLatency: b.InputLatency, Sync: b.Sync, Barcode: b.Barcode}
	began := make(chan error, 1)
	go s.run(ctx, b, r, sess, began)
	if err := <-began; err != nil {
		return "", err
	}
	return plan.ID, nil
}

// run runs one session to its end on its own goroutine. A panic in the
// session's code (a driver bug) is caught and ends that session only.
func (s *Supervisor) run(ctx context.Context, b *box, r *running, sess Setup, began chan<- error) {
	defer s.wg.Done()
	log := s.log.With("chamber", b.Name, "session", r.id, "subject", r.plan.Subject)
	defer func() {
		if p := recover(); p != nil {
			log.Error("session panicked; the chamber is halted and its session aborted", "panic", p)
			sess.Chamber.Halt()
		}
		sess.Chamber.Close()
		s.mu.Lock()
		b.run = nil
		s.mu.Unlock()
		s.changes.notify()
		close(r.done)
	}()
	rec, err := runRecorded(ctx, s.w, r.plan, sess, func(l *storage.SessionLog, err error) {
		if l != nil {
			r.log.Store(l)
		}
		began <- err
	})
	if rec.ID != "" { // it began: Start has told the caller so
		last := &LastSession{ID: rec.ID, Subject: r.plan.Subject, EndReason: rec.Result.EndReason, EndedAt: time.Now()}
		if last.EndReason == "" {
			last.EndReason = protocols.EndAborted
		}
		if e := errors.Join(rec.Result.Err, err); e != nil {
			last.Error = e.Error()
		}
		s.mu.Lock()
		b.last = last
		s.mu.Unlock()
	}
	if rec.Result.EndReason == protocols.EndAborted && b.Check != nil {
		// A fault ended it: look at the hardware now rather than at the
		// next round, so that an unplugged board shows at once.
		s.checkBox(b)
	}
	if err != nil && rec.ID == "" {
		// Refused before it was recorded (the rat runs elsewhere, the disk
		// is full): the caller of Start has the reason; no session exists.
		s.log.Info("session not started", "chamber", b.Name, "subject", r.plan.Subject, "err", err)
		return
	}
	if err != nil {
		log.Error("session failed", "err", err)
		return
	}
	res := rec.Result
	attrs := []any{"reason", res.EndReason, "at", res.At.Round(time.Millisecond), "trials", res.Summary.Counters.TrialsScored}
	if res.Err != nil {
		log.Error("session aborted by a fault; other chambers are unaffected", append(attrs, "err", res.Err)...)
		return
	}
	log.Info("session ended", attrs...)
	if c := rec.Stage; c != nil {
		log.Info("training stage change", "action", c.Action, "from", c.From, "to", c.To, "reason", c.Reason)
		if s.onStage != nil {
			s.onStage(b.Name, *c)
		}
	}
}

// progress keeps the live view up to date after each step: a snapshot of
// the tally, no summing up (that waits for a read).
func (r *running) progress(p *protocols.Session) {
	if r.notify != nil {
		defer r.notify()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state = p.State()
	as := p.Attempts()
	r.attempt = len(as)
	r.tally = p.Tally()
	r.now = p.Now()
	r.recent = r.recent[:0]
	for i := max(0, len(as)-RecentOutcomes-1); i < len(as); i++ {
		if as[i].Outcome != protocols.Pending {
			r.recent = append(r.recent, as[i].Outcome)
		}
	}
	if len(r.recent) > RecentOutcomes {
		r.recent = r.recent[len(r.recent)-RecentOutcomes:]
	}
	r.stepped = time.Now()
	r.gap = -1
	if d, ok := p.Deadline(); ok {
		r.gap = max(d-p.Now(), 0)
	}
}

// Stop ends a running session (reason "stopped") and waits for it to be
// recorded.
func (s *Supervisor) Stop(id string) error {
	s.mu.Lock()
	var r *running
	for _, b := range s.boxes {
		if b.run != nil && b.run.id == id {
			r = b.run
		}
	}
	s.mu.Unlock()
	if r == nil {
		return fmt.Errorf("session %s: %w", id, ErrNoSession)
	}
	r.cancel()
	<-r.done
	return nil
}

// Shutdown stops every running session (reason "stopped"), waits until all
// are recorded and refuses new ones.
func (s *Supervisor) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown = true
	for _, b := range s.boxes {
		if b.run != nil {
			b.run.cancel()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shutdown: sessions still ending: %w", ctx.Err())
	}
}

// Wait waits until no session is running.
func (s *Supervisor) Wait() { s.wg.Wait() }
