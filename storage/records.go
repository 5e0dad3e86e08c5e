package storage

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/protocols"
)

// Session statuses.
const (
	StatusRunning     = "running"
	StatusEnded       = "ended"
	StatusInterrupted = "interrupted" // found running after a crash
)

// A SessionRecord is one session's provenance and end: everything needed to know
// what ran, on what, with which parameters, and how it ended.
type SessionRecord struct {
	Provenance
	Seed      uint64
	Status    string
	EndedAt   time.Time     // wall clock of the end, zero while running
	Ended     time.Duration // session time of the end
	EndReason string
	Error     string // the fault, for aborted sessions
	// Timing summarises how late the session's timer-driven transitions
	// were carried out (JSON of controller/timing.Summary, nanoseconds);
	// nil for virtual time and while running.
	Timing json.RawMessage
}

// Provenance says who, what and where a session is: the part of a stored
// session that is known before it starts. The controller's Plan is a
// Provenance plus how to run it, so that the two cannot drift apart field by
// field.
type Provenance struct {
	ID        string // globally unique (UUIDv7), so databases from several hosts merge; empty: a new one
	Subject   string
	Condition string
	Chamber   string
	Backend   string // gpio, serial or sim (hardware.Backend*)
	Protocol  string // preset name the parameters came from
	Params    protocols.Params
	Version   string    // software version
	Host      string    // empty in a plan: this host
	StartedAt time.Time // wall clock of session time zero; zero in a plan: now
	// Study links a drug-study session to its study and test day; empty
	// for sessions outside a study.
	Study      string
	StudyDay   int
	InjectedAt time.Time // when the dose was given; zero if not recorded
	// TrainingChange is the rat's training stage change the session runs
	// under (StageChange.ID), 0 outside training.
	TrainingChange int64
}

// NewID returns a new globally unique session id (a UUIDv7: time-ordered,
// so ids sort by start even across hosts).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// An Event is one raw input or output event of a session, in the order the
// runner processed it. Seq numbers a session's events from 1 with no gaps,
// so a gap in a stored session shows lost data.
type Event struct {
	Seq uint64
	// At is the hardware time (session time): the edge's timestamp for an
	// input, the time the output took effect for an output.
	At time.Duration

	// Inputs.
	Input   hardware.Input // zero for an output
	Entry   bool
	HWSeq   uint64          // the backend's own sequence number
	Class   protocols.Class // what the protocol made of it
	Attempt int             // the attempt it belongs to, 0 for none

	// Outputs.
	Output hardware.Output // zero for an input
	On     bool
	Due    time.Duration // the time the protocol asked for: At − Due is the lateness
}

// IsInput reports whether the event is an input edge.
func (e Event) IsInput() bool { return e.Input != 0 }

// LogEntry returns the event as an entry of the protocol's raw log, for
// protocols.Replay.
func LogEntry(e Event) protocols.LogEntry {
	if e.IsInput() {
		return protocols.LogEntry{Input: hardware.Event{Input: e.Input, Entry: e.Entry, At: e.At, Seq: e.HWSeq}, At: e.At}
	}
	return protocols.LogEntry{Output: e.Output, On: e.On, At: e.At, Due: e.Due}
}
