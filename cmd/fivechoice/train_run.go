package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/controller/config"
	"github.com/fivechoice/fivechoice/simulate"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/training"
	"github.com/fivechoice/fivechoice/training/curves"
)

// trainRun asks the daemon to start a rat's training session for today on
// one of its chambers: the daemon chooses the stage from the rat's state
// and decides the next one at the session's end.
func trainRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train run", "train run ID --chamber NAME [--again] [--server URL] [--token-file FILE]", stderr)
	chamber := fs.String("chamber", "", "the daemon's chamber (required)")
	again := fs.Bool("again", false, "a second training session today, on purpose (it counts like any other)")
	server := fs.String("server", "http://"+config.DefaultListen, "the daemon's address")
	tokenFile := fs.String("token-file", "", "file holding the API token (default: $"+config.TokenEnv+")")
	var id string
	if err := parseWithID(fs, args, &id); err != nil {
		return err
	}
	if *chamber == "" {
		return errors.New("--chamber is required")
	}
	token := os.Getenv(config.TokenEnv)
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return fmt.Errorf("--token-file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		return fmt.Errorf("no API token: give --token-file or set %s", config.TokenEnv)
	}
	body, _ := json.Marshal(map[string]any{"subject": id, "again": *again})
	base := strings.TrimRight(*server, "/")
	if !strings.Contains(base, "://") {
		base = "http://" + base // the configuration's listen address as it is written
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/chambers/"+*chamber+"/training", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("--server: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("the daemon at %s: %w (is 'fivechoice serve' running?)", *server, err)
	}
	defer resp.Body.Close()
	var out struct {
		ID       string `json:"id"`
		Protocol string `json:"protocol"`
		Error    string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return fmt.Errorf("the daemon answered %s: %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("the daemon refused: %s (%s)", out.Error, resp.Status)
	}
	fmt.Fprintf(stdout, "%s: session %s started on %s with %s\n", id, out.ID, *chamber, out.Protocol)
	return nil
}

// trainTable prints the sessions each rat spent at each stage, and per
// stage the median, IQR and range of the rats that reached a stable
// baseline: the table a methods section reports, for one programme.
func trainTable(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train table", "train table [--programme NAME]", stderr)
	db := dbFlag(fs)
	name := fs.String("programme", "", "the programme whose rats to tabulate (default: the one most rats are on)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	courses, err := controller.Courses(ctx, d)
	if err != nil {
		return err
	}
	if len(courses) == 0 {
		return errors.New("no rat is in training (fivechoice train enrol)")
	}
	if *name == "" {
		*name = mostCommon(courses)
	}
	var rats []simulate.RatTraining
	var stages []string
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, c := range courses {
		if c.Programme != *name {
			continue
		}
		if stages == nil {
			stages = c.Stages
			fmt.Fprintf(tw, "rat\t%s\ttotal\t\n", strings.Join(stages, "\t"))
		}
		if strings.Join(c.Stages, ",") != strings.Join(stages, ",") {
			fmt.Fprintf(stderr, "%s: programme %s version %d has other stages; left out of the table (move it onto the latest with 'train move --latest')\n", c.Subject, c.Programme, c.Version)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", c.Subject, courseCells(c))
		rats = append(rats, simulate.RatTraining{PerStage: c.PerStage, Done: c.Done})
	}
	if stages == nil {
		return fmt.Errorf("--programme %s: no rat is on it", *name)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	prog := training.Programme{}
	for _, s := range stages {
		prog.Stages = append(prog.Stages, training.Stage{Name: s})
	}
	fmt.Fprintf(stdout, "\n(n+: still at that stage; -: never at it, not yet or enrolled past it)\n\n%s", simulate.SessionsToCriterion(prog, rats, 0))
	return nil
}

// courseCells are a rat's sessions per stage and its total.
func courseCells(c controller.Course) string {
	total := 0
	var cells []string
	for i, n := range c.PerStage {
		cell := "-"
		if n >= 0 {
			total += n
			cell = fmt.Sprint(n)
			if !c.Done && c.Stages[i] == c.Current {
				cell += "+"
			}
		}
		cells = append(cells, cell)
	}
	return strings.Join(cells, "\t") + "\t" + fmt.Sprint(total)
}

// mostCommon is the programme most rats are on.
func mostCommon(courses []controller.Course) string {
	n := map[string]int{}
	best := courses[0].Programme
	for _, c := range courses {
		n[c.Programme]++
		if n[c.Programme] > n[best] {
			best = c.Programme
		}
	}
	return best
}

// baselines warns of the study's rats that have no stable baseline in
// their training records, or with require refuses the study.
func baselines(ctx context.Context, d *storage.DB, subjects []string, require bool, stderr io.Writer) error {
	unstable, err := controller.Unstable(ctx, d, subjects)
	if err != nil || len(unstable) == 0 {
		return err
	}
	if require {
		return fmt.Errorf("--require-baseline: %w: %s", controller.ErrNoBaseline, strings.Join(unstable, ", "))
	}
	fmt.Fprintf(stderr, "warning: no stable baseline recorded for %s (fivechoice train status; --require-baseline refuses them)\n", strings.Join(unstable, ", "))
	return nil
}

// trainCurves draws learning curves, one figure per rat.
func trainCurves(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train curves", "train curves [ID...] --out DIR [--dpi N]", stderr)
	db := dbFlag(fs)
	out := fs.String("out", "", "directory for learning-ID.png and .svg (required)")
	dpi := fs.Int("dpi", 300, "resolution of the PNG files")
	ids, err := parseArgs(fs, args, 0, 1000)
	if err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	d, err := openRecords(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	if len(ids) == 0 {
		st, err := d.Stages(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			ids = append(ids, s.Subject)
		}
	} else if err := knownSubjects(ctx, d, ids, false, ""); err != nil {
		return err
	}
	for _, id := range ids {
		r, err := controller.LearningCurve(ctx, d, id)
		if err != nil {
			return err
		}
		files, err := curves.Plot(r, *out, *dpi)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, strings.Join(files, "\n"))
	}
	return nil
}
