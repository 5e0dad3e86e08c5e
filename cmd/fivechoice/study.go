package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/study"
)

func cmdStudy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	subs := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"create": studyCreate, "list": studyList, "show": studyShow, "unblind": studyUnblind, "run": studyRun,
	}
	if len(args) == 0 || subs[args[0]] == nil {
		fmt.Fprintln(stderr, `Usage: fivechoice study create NAME --subjects R01,R02,... [--new-subjects] --conditions vehicle,atx-0.3,... [--design latin-square] [--washout 48h] [--seed N] [--start YYYY-MM-DD] [--protocol NAME] [--blind]
       fivechoice study list
       fivechoice study show NAME
       fivechoice study run NAME --subject R01 [--injected-at TIME | --injected-ago 30m] [--realtime]
       fivechoice study unblind NAME --by WHO
(all take --db FILE)`)
		return errUsage
	}
	return subs[args[0]](ctx, args[1:], stdout, stderr)
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func studyCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("study create", "study create NAME --subjects R01,R02 --conditions vehicle,atx-1.0 [flags]", stderr)
	db := dbFlag(fs)
	subjects := fs.String("subjects", "", "comma-separated subject ids, recorded already (see --new-subjects)")
	newSubjects := fs.Bool("new-subjects", false, "record the subjects of --subjects that are not recorded yet (without it an unknown id is an error: a typo is not a new rat)")
	conditions := fs.String("conditions", "", "comma-separated condition ids; the first is the reference (vehicle)")
	design := fs.String("design", "latin-square", "latin-square (a Williams design, balanced for first-order carry-over)")
	washout := fs.Duration("washout", 48*time.Hour, "minimum time between a subject's test days")
	seed := fs.Int64("seed", -1, "seed of the assignment (default: a fresh one, recorded)")
	start := fs.String("start", "", "first test day, YYYY-MM-DD (default: today)")
	protocol := fs.String("protocol", "baseline", "the parameter set of the test sessions: built in or the lab's own (a lab set's latest version is pinned for the whole study)")
	blind := fs.Bool("blind", false, "operators see conditions only as codes until 'study unblind'")
	var name string
	if err := parseWithID(fs, args, &name); err != nil {
		return err
	}
	if *design != "latin-square" {
		return fmt.Errorf("--design %q: only latin-square", *design)
	}
	if *washout < 0 {
		return errors.New("--washout must not be negative")
	}
	set, err := findSet(ctx, *db, *protocol) // a lab set is pinned: NAME@VERSION
	if err != nil {
		return fmt.Errorf("--protocol: %w", err)
	}
	subs, conds := splitList(*subjects), splitList(*conditions)
	s := uint64(*seed)
	if *seed < 0 {
		s = newSeed()
	}
	startDay := time.Now()
	if *start != "" {
		var err error
		if startDay, err = time.ParseInLocation("2006-01-02", *start, time.Local); err != nil {
			return fmt.Errorf("--start %q: want YYYY-MM-DD", *start)
		}
	}
	plan, err := study.Design{Name: name, Kind: *design, Subjects: subs, Conditions: conds, Start: startDay,
		Washout: *washout, Seed: s, Protocol: set.Ref(), Blind: *blind}.Plan()
	if err != nil {
		return err
	}
	d, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	for _, c := range conds {
		if _, err := d.Condition(ctx, c); err != nil {
			return fmt.Errorf("--conditions: %w (add it with 'fivechoice condition add')", err)
		}
	}
	if err := knownSubjects(ctx, d, subs, *newSubjects, "--new-subjects"); err != nil {
		return fmt.Errorf("--subjects: %w", err)
	}
	if err := d.CreateStudy(ctx, plan.Study, plan.Days, plan.Key); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "study %s created: %d subjects x %d conditions, Williams design, seed %d, washout %v\n", name, len(subs), len(conds), s, *washout)
	if b, err := study.WilliamsBalance(len(subs), conds, s); err == nil && !b.Balanced {
		fmt.Fprintln(stderr, "warning:", b.Warning())
	}
	if *blind {
		fmt.Fprintf(stdout, "blind: operators see the conditions as codes; the key is kept apart in %s and 'fivechoice study unblind %s --by NAME' reveals it\n", *db, name)
	}
	return printPlan(ctx, d, name, stdout)
}

func studyList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("study list", "study list [--db FILE]", stderr)
	db := dbFlag(fs)
	if err := parse(fs, args, false); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	studies, err := d.Studies(ctx)
	if err != nil {
		return err
	}
	for _, s := range studies {
		blind := ""
		if s.Blind {
			blind = ", blind"
			if s.UnblindedAt != nil {
				blind = ", unblinded " + s.UnblindedAt.Local().Format("2006-01-02")
			}
		}
		fmt.Fprintf(stdout, "%s  %d subjects, %d conditions, from %s, washout %v%s\n", s.Name, len(s.Subjects), len(s.Conditions), s.StartDate, s.Washout, blind)
	}
	return nil
}

func studyShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("study show", "study show NAME [--db FILE]", stderr)
	db := dbFlag(fs)
	var name string
	if err := parseWithID(fs, args, &name); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	s, err := d.Study(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "study %s: %s, seed %d, washout %v, protocol %s, first day %s\n", s.Name, s.Design, s.Seed, s.Washout, s.Protocol, s.StartDate)
	fmt.Fprintf(stdout, "conditions: %s\n", strings.Join(s.Conditions, ", "))
	if s.Blind {
		if s.UnblindedAt != nil {
			fmt.Fprintf(stdout, "blind; unblinded %s by %s\n", s.UnblindedAt.Local().Format("2006-01-02 15:04"), s.UnblindedBy)
		} else {
			fmt.Fprintln(stdout, "blind: conditions are shown as codes")
		}
	}
	return printPlan(ctx, d, name, stdout)
}

// printPlan prints each subject's test days and what has been run.
func printPlan(ctx context.Context, d *storage.DB, name string, w io.Writer) error {
	plan, err := d.Plan(ctx, name)
	if err != nil {
		return err
	}
	sessions, err := d.Sessions(ctx, storage.Filter{Study: name})
	if err != nil {
		return err
	}
	excl, err := d.Exclusions(ctx, name)
	if err != nil {
		return err
	}
	excluded := map[string]string{}
	for _, e := range excl {
		excluded[e.Session] = e.Why
	}
	ran := map[string]storage.SessionRecord{}
	for _, s := range sessions {
		if _, ok := excluded[s.ID]; ok {
			continue // the test day is open again
		}
		k := fmt.Sprintf("%s/%d", s.Subject, s.StudyDay)
		if prev, ok := ran[k]; !ok || done(s) || !done(prev) {
			ran[k] = s
		}
	}
	for _, s := range sessions {
		if why, ok := excluded[s.ID]; ok {
			fmt.Fprintf(w, "session %s (%s, test day %d) is excluded: %s\n", s.ID, s.Subject, s.StudyDay, why)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBJECT\tDAY\tPLANNED\tCONDITION\tSESSION\tSTATUS")
	for _, p := range plan {
		sid, status := "", "to run"
		if s, ok := ran[fmt.Sprintf("%s/%d", p.Subject, p.Day)]; ok {
			sid, status = s.ID, s.Status+" "+s.EndReason
			if s.StartedAt.Format("2006-01-02") != p.Date {
				status += " on " + s.StartedAt.Local().Format("2006-01-02")
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", p.Subject, p.Day, p.Date, p.Condition, sid, status)
	}
	return tw.Flush()
}

func done(s storage.SessionRecord) bool {
	return s.EndReason == protocols.EndMaxTrials || s.EndReason == protocols.EndTimeLimit
}

func studyUnblind(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("study unblind", "study unblind NAME --by WHO [--force] [--db FILE]", stderr)
	db := dbFlag(fs)
	by := fs.String("by", "", "who unblinds (required; recorded with the time)")
	force := fs.Bool("force", false, "unblind although test days remain to be run")
	var name string
	if err := parseWithID(fs, args, &name); err != nil {
		return err
	}
	if strings.TrimSpace(*by) == "" {
		return errors.New("--by is required: who unblinds is recorded with the study")
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	remaining, planned, err := d.Remaining(ctx, name)
	if err != nil {
		return err
	}
	if st, err := d.Study(ctx, name); err == nil && st.Blind && remaining > 0 {
		msg := fmt.Sprintf("study %s has %d of %d test days still to run: once unblinded, whoever runs them can see the conditions", name, remaining, planned)
		if !*force {
			return fmt.Errorf("%s; pass --force to unblind anyway", msg)
		}
		fmt.Fprintln(stderr, "warning:", msg)
	}
	key, err := d.Unblind(ctx, name, *by, time.Now())
	if err != nil {
		return err
	}
	s, _ := d.Study(ctx, name)
	fmt.Fprintf(stdout, "study %s unblinded %s by %s\n", name, s.UnblindedAt.Local().Format("2006-01-02 15:04"), s.UnblindedBy)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tCONDITION")
	for _, k := range key {
		fmt.Fprintf(tw, "%s\t%s\n", k.Code, k.Condition)
	}
	return tw.Flush()
}

// studyRun runs a subject's next test day on a simulated chamber with a
// virtual rat, for rehearsing a study: only with --simulated, and never
// into a study that real chambers have run days of unless
// --into-real-study says so (issue 12: a typo'd command marked a real test
// day done with a virtual rat's data). Real test days start on the daemon.
func studyRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("study run", "study run NAME --subject ID --simulated [--into-real-study] [--injected-at TIME | --injected-ago D] [--realtime] [--db FILE]", stderr)
	simulated := fs.Bool("simulated", false, "required: the test day is run by a virtual rat in a simulated chamber, and recorded as such")
	intoReal := fs.Bool("into-real-study", false, "allow it in a study whose other test days ran on real chambers")
	db := dbFlag(fs)
	subject := fs.String("subject", "", "subject id")
	injectedAt := fs.String("injected-at", "", "when the dose was given (RFC 3339, or HH:MM today)")
	injectedAgo := fs.Duration("injected-ago", 0, "how long ago the dose was given, e.g. 30m")
	tolerance := fs.Duration("tolerance", 10*time.Minute, "warn when the session starts further than this from the pretreatment time")
	realtime := fs.Bool("realtime", false, "run on the wall clock instead of virtual time")
	var name string
	if err := parseWithID(fs, args, &name); err != nil {
		return err
	}
	if *subject == "" {
		return errors.New("--subject is required")
	}
	if !*simulated {
		return fmt.Errorf("study run runs test day sessions with a virtual rat in a simulated chamber, and they count as the study's test days: "+
			"pass --simulated to rehearse study %s that way; real test days start on the daemon (POST /api/v1/studies/%s/sessions)", name, name)
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if !*intoReal {
		if real, err := realSessions(ctx, d, name); err != nil {
			return err
		} else if real > 0 {
			return fmt.Errorf("study %s has %d test day sessions from real chambers: a virtual rat's session would be mixed with them; pass --into-real-study if that is really wanted", name, real)
		}
	}
	now := time.Now()
	injected, err := parseInjection(*injectedAt, *injectedAgo, now)
	if err != nil {
		return err
	}
	w, err := d.NewWriter()
	if err != nil {
		return err
	}
	defer w.Close()
	s, err := d.Study(ctx, name)
	if err != nil {
		return err
	}
	plan, warning, err := controller.PlanStudySession(ctx, d, s, *subject, now, injected, *tolerance, newSeed())
	if err != nil {
		return err
	}
	if warning != "" {
		fmt.Fprintln(stderr, "warning:", warning)
	}
	plan.Version, plan.Chamber, plan.Backend = version, "sim", hardware.BackendSim
	// The virtual rat gets the real condition; a blind study's code is
	// resolved here without being shown.
	traits, err := studyRat(ctx, d, s, plan.Condition)
	if err != nil {
		return err
	}
	rec, sum, err := runSimulated(ctx, d, w, plan, nil, traits, *realtime)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "study %s, subject %s, test day %d: SIMULATED (a virtual rat in a simulated chamber, recorded with backend sim)\n", name, plan.Subject, plan.StudyDay)
	printSession(stdout, rec, plan, sum, *db)
	return nil
}

// realSessions counts a study's sessions that ran on real chambers.
func realSessions(ctx context.Context, d *storage.DB, study string) (int, error) {
	sessions, err := d.Sessions(ctx, storage.Filter{Study: study})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range sessions {
		if s.Backend != hardware.BackendSim {
			n++
		}
	}
	return n, nil
}

func parseInjection(at string, ago time.Duration, now time.Time) (time.Time, error) {
	switch {
	case at != "" && ago != 0:
		return time.Time{}, errors.New("give --injected-at or --injected-ago, not both")
	case ago < 0:
		return time.Time{}, errors.New("--injected-ago must not be negative")
	case ago > 0:
		return now.Add(-ago), nil
	case at == "":
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, at); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("15:04", at, time.Local); err == nil {
		y, m, dd := now.Date()
		return time.Date(y, m, dd, t.Hour(), t.Minute(), 0, 0, time.Local), nil
	}
	return time.Time{}, fmt.Errorf("--injected-at %q: want RFC 3339 (2026-11-27T09:30:00+01:00) or HH:MM", at)
}

// studyRat is the default virtual rat under a study condition, resolving a
// blind study's code through its key (never printed).
func studyRat(ctx context.Context, d *storage.DB, s storage.Study, condition string) (rat.Traits, error) {
	if s.Blind {
		key, err := d.BlindingKey(ctx, s.Name)
		if err != nil {
			return rat.Traits{}, err
		}
		for _, k := range key {
			if k.Code == condition {
				condition = k.Condition
			}
		}
	}
	c, err := d.Condition(ctx, condition)
	if err != nil {
		return rat.Traits{}, err
	}
	return rat.Dosed(rat.Default(), c.Drug, c.DoseMgPerKg)
}
