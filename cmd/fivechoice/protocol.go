package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fivechoice/fivechoice/paramsets"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// cmdProtocol is the lab's own parameter sets: save, show, list, history
// (docs/protocols.md).
func cmdProtocol(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	subs := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"save": protocolSave, "show": protocolShow, "list": protocolList, "history": protocolHistory,
	}
	if len(args) == 0 || subs[args[0]] == nil {
		fmt.Fprintln(stderr, `Usage: fivechoice protocol save NAME --from SET [--sd D] [--iti D] [--lh D] [--timeout D] [--holes 2,3,4] [--max-trials N] [--params JSON] [--description TEXT] --by WHO --why TEXT
       fivechoice protocol save --file SET.yaml --by WHO --why TEXT
       fivechoice protocol show NAME [--version N] [--json]
       fivechoice protocol list [--json]
       fivechoice protocol history NAME
(all take --db FILE; a set used by sessions never changes: saving its name again makes the next version)`)
		return errUsage
	}
	return subs[args[0]](ctx, args[1:], stdout, stderr)
}

func protocolSave(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("protocol save", "protocol save NAME --from SET [changes] --by WHO --why TEXT, or --file SET.yaml", stderr)
	db := dbFlag(fs)
	file := fs.String("file", "", "read the set from a YAML `file` (name, from, description, params)")
	from := fs.String("from", "", "the `set` this one is a variant of: a built-in (baseline, stage1 ...) or a lab set (NAME or NAME@VERSION)")
	sd := fs.String("sd", "", "stimulus duration (SD), e.g. 0.5s")
	iti := fs.String("iti", "", "inter-trial interval, e.g. 7s")
	lh := fs.String("lh", "", "limited hold, e.g. 5s")
	timeout := fs.String("timeout", "", "time-out, e.g. 5s")
	holes := fs.String("holes", "", "the holes in use, e.g. 2,3,4 for a 3-choice version: the others are masked (never lit, never a target; an entry there counts as any wrong hole's, docs/protocols.md)")
	maxTrials := fs.Int("max-trials", 0, "trials per session")
	params := fs.String("params", "", `any other parameters as a JSON object, e.g. '{"limited_hold_from":"stimulus_onset"}'`)
	description := fs.String("description", "", "what the set is for (default: its changes)")
	by := fs.String("by", "", "who saves it (required)")
	why := fs.String("why", "", "why (required)")
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") { // NAME comes first; --file names its own
		name, args = args[0], args[1:]
	}
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if name == "" && *file == "" {
		return errors.New("give the set's NAME (first) or --file")
	}
	var draft paramsets.Draft
	if *file != "" {
		if *from != "" || *sd != "" || *iti != "" || *lh != "" || *timeout != "" || *holes != "" || *maxTrials != 0 || *params != "" {
			return errors.New("--file: give the changes in the file, not as flags too")
		}
		var err error
		if draft, err = paramsets.Load(*file); err != nil {
			return err
		}
	} else {
		draft = paramsets.Draft{Name: name, From: *from, Description: *description}
		if err := draftFlags(&draft, *sd, *iti, *lh, *timeout, *holes, *maxTrials, *params); err != nil {
			return err
		}
	}
	switch {
	case draft.Name == "":
		draft.Name = name
	case name != "" && name != draft.Name:
		return fmt.Errorf("NAME %s, but %s names the set %s", name, *file, draft.Name)
	}
	if draft.Description == "" {
		draft.Description = *description
	}
	d, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	p, basedOn, err := draft.Build(d.Finder(ctx))
	if err != nil {
		return err
	}
	desc := draft.Description
	if desc == "" {
		desc = draft.Summary()
	}
	saved, err := d.SaveParamSet(ctx, storage.ParamSet{Name: draft.Name, BasedOn: basedOn, Description: desc, Params: p, By: *by, Why: *why})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "parameter set %s version %d saved (%s); sessions name it %s\n", saved.Name, saved.Version, desc, saved.Set().Ref())
	return nil
}

// draftFlags turns the save command's flags into the draft's changes.
func draftFlags(d *paramsets.Draft, sd, iti, lh, timeout, holes string, maxTrials int, params string) error {
	for _, f := range []struct{ param, v string }{{"stimulus_duration", sd}, {"iti", iti}, {"limited_hold", lh}, {"timeout", timeout}} {
		if f.v != "" {
			d.Set(f.param, f.v)
		}
	}
	if holes != "" {
		var hs []int
		for _, h := range splitList(holes) {
			n, err := strconv.Atoi(h)
			if err != nil {
				return fmt.Errorf("--holes %q: want hole numbers such as 2,3,4", holes)
			}
			hs = append(hs, n)
		}
		d.Set("active_holes", hs)
	}
	if maxTrials != 0 {
		d.Set("max_trials", maxTrials)
	}
	if params != "" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(params), &m); err != nil {
			return fmt.Errorf("--params: want a JSON object: %w", err)
		}
		for k, v := range m {
			d.Changes = append(d.Changes, paramsets.Change{Param: k, Value: v})
		}
	}
	if len(d.Changes) == 0 {
		return errors.New("no change from --from's set: give --sd, --iti, --lh, --timeout, --holes, --max-trials or --params")
	}
	return nil
}

func protocolShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("protocol show", "protocol show NAME [--version N] [--json]", stderr)
	db := dbFlag(fs)
	version := fs.Int("version", 0, "the version (default: the latest)")
	asJSON := fs.Bool("json", false, "print it as JSON")
	var name string
	if err := parseWithID(fs, args, &name); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	ref := name
	if *version != 0 {
		ref = fmt.Sprintf("%s@%d", name, *version)
	}
	set, err := d.FindSet(ctx, ref)
	if err != nil {
		return err
	}
	ps := storage.ParamSet{Name: set.Name, Params: set.Params, Description: "built in"}
	if set.Version != 0 {
		if ps, err = d.ParamSet(ctx, set.Name, set.Version); err != nil {
			return err
		}
	}
	if *asJSON {
		return printJSON(stdout, ps)
	}
	fmt.Fprintf(stdout, "%s: %s\n", set.Ref(), ps.Description)
	if set.Version != 0 {
		fmt.Fprintf(stdout, "  based on %s; saved %s by %s: %s; %d sessions ran on it\n", ps.BasedOn, ps.SavedAt.Local().Format(time.DateTime), ps.By, ps.Why, ps.Sessions)
	}
	if m := set.Params.MaskedHoles(); m != nil {
		fmt.Fprintf(stdout, "  holes in use %v; masked %v\n", set.Params.ActiveHoles, m)
	}
	return printParams(stdout, set.Params)
}

// printParams prints a set's parameters one a line, as JSON names them.
func printParams(w io.Writer, p protocols.Params) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(p.JSON(), &m); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range sortedKeys(m) {
		if k != "seed" {
			fmt.Fprintf(tw, "  %s\t%s\n", k, m[k])
		}
	}
	return tw.Flush()
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func protocolList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("protocol list", "protocol list [--json]", stderr)
	db := dbFlag(fs)
	asJSON := fs.Bool("json", false, "every version as JSON")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	sets, err := d.ParamSets(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, append([]storage.ParamSet{}, sets...))
	}
	return printLatest(stdout, sets)
}

// printLatest prints each lab set's latest version, one a line.
func printLatest(w io.Writer, sets []storage.ParamSet) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tversion\tbased on\tsessions\tdescription")
	for i, s := range sets {
		if i+1 < len(sets) && sets[i+1].Name == s.Name {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\n", s.Name, s.Version, s.BasedOn, s.Sessions, s.Description)
	}
	return tw.Flush()
}

func protocolHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("protocol history", "protocol history NAME", stderr)
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
	h, err := d.ParamSetHistory(ctx, name)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "version\tsaved\tby\twhy\tbased on\tsessions\tdescription")
	for _, s := range h {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", s.Set().Ref(), s.SavedAt.Local().Format(time.DateTime), s.By, s.Why, s.BasedOn, s.Sessions, s.Description)
	}
	return tw.Flush()
}

// labSets reads the lab's sets, every version, for 'fivechoice protocols';
// a database that does not exist has none (and is not created).
func labSets(ctx context.Context, path string) ([]storage.ParamSet, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	d, err := openRecords(ctx, path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ParamSets(ctx)
}

// labProgrammes reads the training programmes stored in the database at
// path, every version, if it exists.
func labProgrammes(ctx context.Context, path string) ([]storage.StoredProgramme, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	d, err := openRecords(ctx, path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Programmes(ctx)
}

// findSet resolves a --protocol flag: a built-in set, or a lab set in the
// database at path (NAME is its latest version; sessions record
// NAME@VERSION, so what they ran is exact).
func findSet(ctx context.Context, path, ref string) (protocols.Set, error) {
	if s, err := protocols.Builtin(ref); err == nil || slices.Contains(protocols.PresetNames(), ref) {
		return s, err
	}
	if _, err := os.Stat(path); err != nil {
		return protocols.Builtin(ref) // no database, no lab sets: say what is built in
	}
	d, err := openRecords(ctx, path)
	if err != nil {
		return protocols.Set{}, err
	}
	defer d.Close()
	return d.FindSet(ctx, ref)
}
