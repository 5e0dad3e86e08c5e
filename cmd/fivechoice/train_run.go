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
	"github.com/fivechoice/fivechoice/training"
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(*server, "/")+"/api/v1/chambers/"+*chamber+"/training", bytes.NewReader(body))
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
// baseline: the table a methods section reports.
func trainTable(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train table", "train table", stderr)
	db := dbFlag(fs)
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
	stages := courses[0].Stages
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "rat\t%s\ttotal\t\n", strings.Join(stages, "\t"))
	var rats []simulate.RatTraining
	for _, c := range courses {
		if strings.Join(c.Stages, ",") != strings.Join(stages, ",") {
			fmt.Fprintf(stderr, "%s: programme %s v%d has other stages; left out of the table\n", c.Subject, c.Programme, c.Version)
			continue
		}
		total := 0
		var cells []string
		for i, n := range c.PerStage {
			total += n
			cell := fmt.Sprint(n)
			if !c.Done && stages[i] == c.Current {
				cell += "+" // still there
			}
			cells = append(cells, cell)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t\n", c.Subject, strings.Join(cells, "\t"), total)
		rats = append(rats, simulate.RatTraining{PerStage: c.PerStage, Done: c.Done})
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	prog := training.Programme{}
	for _, s := range stages {
		prog.Stages = append(prog.Stages, training.Stage{Name: s})
	}
	fmt.Fprintf(stdout, "\n(n+: still at that stage)\n\n%s", simulate.SessionsToCriterion(prog, rats, 0))
	return nil
}
