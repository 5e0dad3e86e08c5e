package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/training"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "run --db FILE --subject ID [--condition ID] [--protocol NAME] [--chamber sim] [--seed N] [--realtime] [--params JSON]", stderr)
	db := fs.String("db", "fivechoice.db", "SQLite database `file` (created if missing)")
	subject := fs.String("subject", "", "subject `id`, recorded already (see --new-subject)")
	newSubject := fs.Bool("new-subject", false, "record --subject if it is not recorded yet (without it an unknown id is an error, as in the API)")
	condition := fs.String("condition", "baseline", "dose condition `id` (see the conditions table: baseline, vehicle, atx-0.1 ...)")
	protocol := fs.String("protocol", "baseline", "parameter set: built in, or the lab's own (NAME for its latest version, NAME@VERSION; see 'fivechoice protocols')")
	chamber := fs.String("chamber", "sim", "chamber: only 'sim' (a simulated chamber with a virtual rat) from the command line")
	seedFlag := fs.Int64("seed", -1, "seed of every random draw (default: a fresh random seed, recorded)")
	realtime := fs.Bool("realtime", false, "run on the wall clock instead of virtual time")
	paramsJSON := fs.String("params", "", "parameter overrides as a JSON object, e.g. '{\"iti\":\"7s\"}'")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *subject == "" {
		return errors.New("--subject is required")
	}
	if *chamber != "sim" {
		return fmt.Errorf("--chamber %q: the run command drives simulated chambers only; real chambers run under 'fivechoice serve'", *chamber)
	}
	set, err := findSet(ctx, *db, *protocol)
	if err != nil {
		return fmt.Errorf("--protocol: %w", err)
	}
	params := set.Params
	if *paramsJSON != "" {
		if params, err = params.Override([]byte(*paramsJSON)); err != nil {
			return fmt.Errorf("--params: %w", err)
		}
	}
	params.Seed = uint64(*seedFlag)
	if *seedFlag < 0 {
		params.Seed = newSeed()
	}
	// The flags' parameters are checked here, once, before anything is
	// opened; the session made from them is the one that runs.
	ps, err := protocols.NewSession(params)
	if err != nil {
		return err
	}

	d, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	cond, err := d.Condition(ctx, *condition)
	if err != nil {
		return fmt.Errorf("--condition: %w (add it with 'fivechoice condition add')", err)
	}
	traits, err := rat.Dosed(rat.Default(), cond.Drug, cond.DoseMgPerKg)
	if err != nil {
		return fmt.Errorf("--condition %s: %w", cond.ID, err)
	}
	if err := knownSubjects(ctx, d, []string{*subject}, *newSubject, "--new-subject"); err != nil {
		return fmt.Errorf("--subject: %w", err)
	}
	w, err := d.NewWriter()
	if err != nil {
		return err
	}
	defer w.Close()

	plan := controller.Plan{Provenance: storage.Provenance{Subject: *subject, Condition: *condition, Chamber: *chamber, Backend: hardware.BackendSim, Protocol: set.Ref(), Params: params, Version: version}}
	rec, sum, err := runSimulated(ctx, d, w, plan, ps, traits, *realtime)
	if err != nil {
		return err
	}
	printSession(stdout, rec, plan, sum, *db)
	if rec.Result.Err != nil {
		return fmt.Errorf("session %s aborted: %w", rec.ID, rec.Result.Err)
	}
	return nil
}

// runSimulated runs one recorded session on a simulated chamber with a
// virtual rat of traits rp (virtual time unless realtime), closes the writer so that all
// is committed, and returns the stored measures. ps is the protocol session made from
// plan.Params, or nil to have it made (and the parameters checked) when the session begins.
func runSimulated(ctx context.Context, d *storage.DB, w *storage.Writer, plan controller.Plan, ps *protocols.Session, rp rat.Traits, realtime bool) (controller.Recorded, protocols.Summary, error) {
	subject := rat.New(rp, plan.Params.Holes, plan.Params.Seed)
	s := controller.Setup{Protocol: ps}
	if realtime {
		s.Chamber = sim.NewRealtime(subject)
	} else {
		ch := sim.NewVirtual(subject)
		s.Chamber, s.Timeline = ch, ch
	}
	rec, err := controller.RunRecorded(ctx, w, plan, s)
	if err != nil {
		return rec, protocols.Summary{}, err
	}
	if err := w.Close(); err != nil {
		return rec, protocols.Summary{}, err
	}
	sum, err := d.Summary(ctx, rec.ID)
	return rec, sum, err
}

// newSeed draws a seed that fits SQLite's signed 64-bit integers.
func newSeed() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return uint64(time.Now().UnixNano()) & math.MaxInt64
	}
	return binary.LittleEndian.Uint64(b[:]) & math.MaxInt64
}

func printSession(w io.Writer, rec controller.Recorded, plan controller.Plan, sum protocols.Summary, db string) {
	r := rec.Result
	fmt.Fprintf(w, "session %s\n", rec.ID)
	fmt.Fprintf(w, "  subject %s, condition %s, protocol %s, seed %d\n", plan.Subject, plan.Condition, plan.Protocol, plan.Params.Seed)
	fmt.Fprintf(w, "  ended after %v: %s\n", r.At.Round(time.Millisecond), r.EndReason)
	if r.Err != nil {
		fmt.Fprintf(w, "  fault: %v\n", r.Err)
	}
	fmt.Fprintf(w, "  stored in %s\n\n", db)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	c, m := sum.Counters, sum.Measures
	rows := []struct {
		name  string
		value string
	}{
		{"trials scored", fmt.Sprint(c.TrialsScored)},
		{"attempts", fmt.Sprint(c.Attempts)},
		{"correct", fmt.Sprint(c.Correct)},
		{"incorrect", fmt.Sprint(c.Incorrect)},
		{"omissions", fmt.Sprint(c.Omissions)},
		{"premature", fmt.Sprint(c.Premature)},
		{"perseverative", fmt.Sprint(c.Perseverative)},
		{"time-out responses", fmt.Sprint(c.TimeoutResponses)},
		{"magazine entries", fmt.Sprint(c.MagazineEntries)},
		{"accuracy %", fmtOpt(m.AccuracyPct, "%.1f")},
		{"omissions %", fmtOpt(m.OmissionsPct, "%.1f")},
		{"correct %", fmtOpt(m.CorrectPct, "%.1f")},
		{"premature %", fmtOpt(m.PrematurePct, "%.1f")},
		{"correct latency ms (mean / median)", fmtOpt(m.CorrectLatencyMeanMs, "%.0f") + " / " + fmtOpt(m.CorrectLatencyMedianMs, "%.0f")},
		{"incorrect latency ms (mean / median)", fmtOpt(m.IncorrectLatencyMeanMs, "%.0f") + " / " + fmtOpt(m.IncorrectLatencyMedianMs, "%.0f")},
		{"reward latency ms (mean / median)", fmtOpt(m.RewardLatencyMeanMs, "%.0f") + " / " + fmtOpt(m.RewardLatencyMedianMs, "%.0f")},
		{"premature latency ms (mean / median)", fmtOpt(m.PrematureLatencyMeanMs, "%.0f") + " / " + fmtOpt(m.PrematureLatencyMedianMs, "%.0f")},
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "  %s\t%s\n", row.name, row.value)
	}
	tw.Flush()
}

func fmtOpt(v *float64, format string) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf(format, *v)
}

func cmdProtocols(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("protocols", "protocols [--json] [--db FILE]", stderr)
	asJSON := fs.Bool("json", false, "print every parameter set and training programme as one JSON document")
	db := fs.String("db", "fivechoice.db", "database `file` whose lab parameter sets are listed too (if it exists)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	lab, err := labSets(ctx, *db)
	if err != nil {
		return err
	}
	if *asJSON {
		type set struct {
			Name        string           `json:"name"`
			Version     int              `json:"version,omitempty"` // lab sets: 1, 2 ...
			Description string           `json:"description"`
			Advance     string           `json:"advance,omitempty"`
			BasedOn     string           `json:"based_on,omitempty"`
			SavedBy     string           `json:"saved_by,omitempty"`
			Why         string           `json:"why,omitempty"`
			Params      protocols.Params `json:"params"`
		}
		type programme struct {
			training.Programme
			Version int    `json:"version,omitempty"` // stored versions: 1, 2 ...
			SavedBy string `json:"saved_by,omitempty"`
		}
		var doc struct {
			ParameterSets []set       `json:"parameter_sets"`
			Programmes    []programme `json:"programmes"`
		}
		for _, p := range protocols.Presets() {
			doc.ParameterSets = append(doc.ParameterSets, set{Name: p.Name, Description: p.Description, Advance: p.Advance, Params: p.Params})
		}
		for _, p := range lab {
			doc.ParameterSets = append(doc.ParameterSets, set{p.Name, p.Version, p.Description, "", p.BasedOn, p.By, p.Why, p.Params})
		}
		doc.Programmes = []programme{{Programme: training.Builtin()}}
		stored, err := labProgrammes(ctx, *db)
		if err != nil {
			return err
		}
		for _, sp := range stored {
			var p training.Programme
			if err := json.Unmarshal(sp.Body, &p); err != nil {
				return fmt.Errorf("programme %s version %d: %w", sp.Name, sp.Version, err)
			}
			doc.Programmes = append(doc.Programmes, programme{p, sp.Version, sp.CreatedBy})
		}
		return printJSON(stdout, doc)
	}
	for _, p := range protocols.Presets() {
		adv := ""
		if p.Advance != "" {
			adv = "; advance: " + p.Advance
		}
		fmt.Fprintf(stdout, "%-13s %s%s\n", p.Name, p.Description, adv)
	}
	if len(lab) > 0 {
		fmt.Fprintf(stdout, "\nthe lab's own sets in %s, latest versions ('fivechoice protocol history NAME' for every one):\n", *db)
		if err := printLatest(stdout, lab); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "\ntraining programme %s (fivechoice train; docs/training.md):\n", training.Builtin().Name)
	for _, st := range training.Builtin().Stages {
		fmt.Fprintf(stdout, "  %-9s %-9s %s\n", st.Name, st.Protocol, stageText(st))
	}
	return nil
}

// stageText says when a stage is left: its advance criteria and their
// streak, then its fall-back, if any.
func stageText(st training.Stage) string {
	streak := func(n int) string {
		if n == 1 {
			return "a session"
		}
		return fmt.Sprintf("%d consecutive sessions", n)
	}
	s := fmt.Sprintf("advance after %s with %s", streak(st.Sessions), criteriaText(st.Advance))
	if len(st.FallBack) > 0 {
		s += fmt.Sprintf("; fall back after %s with %s", streak(st.FallBackSessions), criteriaText(st.FallBack))
	}
	return s
}

func criteriaText(cs []training.Criterion) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.String()
	}
	return strings.Join(s, ", ")
}
