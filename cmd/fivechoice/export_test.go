package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
)

// openWriter opens the database file at path, with the given subjects,
// and a writer on it; both are closed when the test ends.
func openWriter(t *testing.T, path string, subjects ...string) (*storage.DB, *storage.Writer) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range subjects {
		if err := db.EnsureSubject(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	w, err := db.NewWriter()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return db, w
}

// exportSession stores one small hand-made session with a fixed id and
// start, so that every field of the export is known in advance: a correct
// attempt, an omission and a punished premature one (R7, R9, R11, R12), the
// events that go with them, NULLs where a time does not apply.
func exportSession(t *testing.T, path string) {
	t.Helper()
	_, w := openWriter(t, path, "R01")
	p, err := protocols.Lookup("baseline")
	if err != nil {
		t.Fatal(err)
	}
	p.Seed = 7
	start := time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)
	log, err := w.BeginSession(storage.SessionRecord{Provenance: storage.Provenance{ID: "0196a0c0-0000-7000-8000-000000000001", Subject: "R01", Condition: "atx-1.0", Chamber: "box1", Backend: "sim", Protocol: "baseline", Params: p, Version: "test", Host: "test", StartedAt: start}, Seed: p.Seed})
	if err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	none := protocols.None
	for _, e := range []storage.Event{
		{Seq: 1, At: 0, Output: hardware.HouseLight, On: true, Due: 0},
		{Seq: 2, At: 1500 * ms, Input: hardware.Magazine, Entry: true, HWSeq: 1, Class: protocols.ClassInitiation, Attempt: 1},
		{Seq: 3, At: 6500*ms + 250*time.Microsecond, Output: hardware.Stimulus(3), On: true, Due: 6500 * ms},
		{Seq: 4, At: 6912 * ms, Input: hardware.Hole(3), Entry: true, HWSeq: 2, Class: protocols.ClassCorrect, Attempt: 1},
		{Seq: 5, At: 6913 * ms, Input: hardware.Hole(3), Entry: false, HWSeq: 3, Class: protocols.ClassRelease},
		{Seq: 6, At: 8001 * ms, Input: hardware.Magazine, Entry: true, HWSeq: 4, Class: protocols.ClassCollection, Attempt: 1},
	} {
		log.Event(e)
	}
	for _, a := range []protocols.Attempt{
		{N: 1, Outcome: protocols.Correct, Target: 3, ITI: 5 * time.Second, SD: time.Second, ITIStart: 1500 * ms, Onset: 6500 * ms,
			ResponseHole: 3, Response: 6912 * ms, Collection: 8001 * ms, FirstPremature: none, Perseverative: 2},
		{N: 2, Outcome: protocols.Omission, Target: 1, ITI: 5 * time.Second, SD: 500 * ms, ITIStart: 9 * time.Second, Onset: 14 * time.Second,
			Response: none, Collection: none, FirstPremature: none, TimeoutResponses: 1},
		{N: 3, Outcome: protocols.Premature, Target: 5, ITI: 5 * time.Second, SD: time.Second, ITIStart: 25 * time.Second, Onset: none,
			ResponseHole: 2, Response: 27333 * ms, Collection: none, FirstPremature: 27333 * ms, Premature: 1},
	} {
		log.Attempt(a)
	}
	if err := log.End(40*time.Second, protocols.EndMaxTrials, start.Add(40*time.Second), nil); err != nil {
		t.Fatal(err)
	}
}

// TestExportIsPinned pins the export of every table byte for byte: labs
// load these files into R and pandas by column name and compare exports
// taken months apart, so a column, its order, its units or the way a
// number or a NULL is written must not change by accident.
func TestExportIsPinned(t *testing.T) {
	dir := t.TempDir()
	exportSession(t, filepath.Join(dir, "x.db"))
	tests := []struct {
		what, want string
	}{
		{"sessions", "" +
			"session_id,subject,condition,condition_order,drug,dose_mg_per_kg,route,study,study_day,chamber,backend,protocol,seed,started_at,ended_at,injected_at,status,end_reason,excluded,excluded_why,training_stage,training_change,rewards_collected," +
			"correct,incorrect,omissions,premature,perseverative,timeout_responses,magazine_entries,trials_scored,attempts," +
			"accuracy_pct,omissions_pct,correct_pct,premature_pct," +
			"correct_latency_mean_ms,correct_latency_median_ms,incorrect_latency_mean_ms,incorrect_latency_median_ms," +
			"reward_latency_mean_ms,reward_latency_median_ms,premature_latency_mean_ms,premature_latency_median_ms\n" +
			"0196a0c0-0000-7000-8000-000000000001,R01,atx-1.0,,atomoxetine,1,i.p.,,,box1,sim,baseline,7,2026-05-04T09:30:00Z,2026-05-04T09:30:40Z,,ended,max_trials,0,,,,1," +
			"1,0,1,1,2,1,2,2,3,100,50,50,33.333333333333336,412,412,,,1089,1089,2333,2333\n"},
		{"trials", "" +
			"session_id,subject,condition,condition_order,drug,dose_mg_per_kg,route,study,study_day,excluded,attempt,outcome,target,iti_ms,sd_ms,iti_start_ms,onset_ms,response_hole,response_ms," +
			"response_latency_ms,reward_latency_ms,premature_latency_ms,premature_responses,perseverative,timeout_responses\n" +
			"0196a0c0-0000-7000-8000-000000000001,R01,atx-1.0,,atomoxetine,1,i.p.,,,0,1,correct,3,5000,1000,1500,6500,3,6912,412,1089,,0,2,0\n" +
			"0196a0c0-0000-7000-8000-000000000001,R01,atx-1.0,,atomoxetine,1,i.p.,,,0,2,omission,1,5000,500,9000,14000,,,,,,0,0,1\n" +
			"0196a0c0-0000-7000-8000-000000000001,R01,atx-1.0,,atomoxetine,1,i.p.,,,0,3,premature,5,5000,1000,25000,,2,27333,,,2333,1,0,0\n"},
		{"events", "" +
			"session_id,subject,condition,condition_order,study,study_day,excluded,seq,t_ms,kind,channel,value,hw_seq,class,attempt,due_ms\n" +
			"0196a0c0-0000-7000-8000-000000000001,R01,atx-1.0,,,,0,1,0,output,house_light,1,,,,0\n" +
			"0196a0c0-0000-7000-8000-000000000001,R01,atx-1.0,,,,0,2,1500,input,magazine,1,1,initiation,1,\n" +
			"0196a0c0-0000-7000-8000-000000000001,R01,atx-1.0,,,,0,3,6500.25,output,stimulus3,1,,,,6500\n" +
			"0196a0c0-0000-7000-8000-000000000001,R01,atx-1.0,,,,0,4,6912,input,hole3,1,2,correct,1,\n" +
			"0196a0c0-0000-7000-8000-000000000001,R01,atx-1.0,,,,0,5,6913,input,hole3,0,3,release,,\n" +
			"0196a0c0-0000-7000-8000-000000000001,R01,atx-1.0,,,,0,6,8001,input,magazine,1,4,collection,1,\n"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			out, errOut, code := fivechoice(t, dir, "export", "--db", "x.db", "--what", tt.what)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if out != tt.want {
				t.Errorf("export --what %s:\n%s\nwant:\n%s", tt.what, out, tt.want)
			}
		})
	}
}
