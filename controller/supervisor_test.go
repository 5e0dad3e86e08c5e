package controller_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
)

// TestFaultInOneChamberSparesTheOthers runs four chambers at once; one has
// its cable pulled; the other three finish their sessions normally.
func TestFaultInOneChamberSparesTheOthers(t *testing.T) {
	ctx := context.Background()
	db, w := storagetest.Open(t, "R01", "R02", "R03", "R04")
	var mu sync.Mutex
	chambers := map[string]*sim.Chamber{}
	var boxes []controller.Box
	for _, name := range []string{"box1", "box2", "box3", "box4"} {
		boxes = append(boxes, controller.Box{Name: name, Backend: "sim", Open: func(protocols.Params, uint64, string) (hardware.Chamber, controller.Timeline, error) {
			ch := sim.NewRealtime(&quickRat{})
			mu.Lock()
			chambers[name] = ch
			mu.Unlock()
			return ch, nil, nil
		}})
	}
	sup, err := controller.NewSupervisor(w, slog.New(slog.DiscardHandler), boxes, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer watchLiveViews(t, sup)()
	ids := map[string]string{}
	for i, b := range boxes {
		p := fast(uint64(i))
		p.MaxTrials = 10
		id, err := sup.Start(b.Name, controller.Plan{Provenance: storage.Provenance{Subject: fmt.Sprintf("R%02d", i+1), Condition: "vehicle", Protocol: "fast", Params: p}})
		if err != nil {
			t.Fatal(err)
		}
		ids[b.Name] = id
	}
	if _, err := sup.Start("box1", controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: fast(9)}}); !errors.Is(err, controller.ErrBusy) {
		t.Errorf("second session on box1: %v, want ErrBusy", err)
	}
	if _, err := sup.Start("box9", controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: fast(9)}}); !errors.Is(err, controller.ErrUnknownChamber) {
		t.Errorf("unknown chamber: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	chambers["box2"].Fail(errors.New("cable pulled"))
	mu.Unlock()
	if st, _ := sup.Chamber("box1"); st.State != "running" || st.Subject != "R01" {
		t.Errorf("box1 live state %+v", st)
	}
	sup.Wait()
	for name, id := range ids {
		s, err := db.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := protocols.EndMaxTrials
		if name == "box2" {
			want = protocols.EndAborted
		}
		if s.EndReason != want {
			t.Errorf("%s ended %q (%s), want %q", name, s.EndReason, s.Error, want)
		}
	}
	for _, st := range sup.Chambers() {
		if st.State != "idle" {
			t.Errorf("%s is %s after its session", st.Name, st.State)
		}
		// The live view tells how each chamber's last session ended, the
		// fault included, without reading the database.
		switch l := st.Last; {
		case l == nil || l.ID != ids[st.Name]:
			t.Errorf("%s: last session %+v, want %s", st.Name, l, ids[st.Name])
		case st.Name == "box2" && (l.EndReason != protocols.EndAborted || !strings.Contains(l.Error, "cable pulled")):
			t.Errorf("box2: last session %+v, want aborted with the fault", l)
		case st.Name != "box2" && (l.EndReason != protocols.EndMaxTrials || l.Error != ""):
			t.Errorf("%s: last session %+v", st.Name, l)
		}
	}
}

// watchLiveViews reads the chambers' live views over and over, as the API
// and the metrics scrape do, until stopped; under the race detector this
// checks that a view is summed up from a snapshot of its session's tally,
// never from the session the runner is changing.
func watchLiveViews(t *testing.T, sup *controller.Supervisor) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			for _, st := range sup.Chambers() {
				if st.State == "running" && (st.Counters == nil || st.Counters.Attempts != st.Attempt) {
					t.Errorf("%s: live view shows attempt %d with counters %+v", st.Name, st.Attempt, st.Counters)
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func TestShutdownStopsEverySession(t *testing.T) {
	ctx := context.Background()
	db, w := storagetest.Open(t, "R01", "R02")
	var boxes []controller.Box
	for _, name := range []string{"a", "b"} {
		boxes = append(boxes, controller.Box{Name: name, Backend: "sim", Open: func(protocols.Params, uint64, string) (hardware.Chamber, controller.Timeline, error) {
			return sim.NewRealtime(&quickRat{}), nil, nil
		}})
	}
	sup, _ := controller.NewSupervisor(w, slog.New(slog.DiscardHandler), boxes, nil)
	var ids []string
	for i, b := range boxes {
		p := fast(1)
		p.MaxTrials = 10000
		id, err := sup.Start(b.Name, controller.Plan{Provenance: storage.Provenance{Subject: fmt.Sprintf("R%02d", i+1), Condition: "vehicle", Params: p}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	time.Sleep(30 * time.Millisecond)
	if err := sup.Stop(ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := sup.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := sup.Start("a", controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: fast(1)}}); !errors.Is(err, controller.ErrShuttingDown) {
		t.Errorf("start after shutdown: %v", err)
	}
	for _, id := range ids {
		s, _ := db.Session(ctx, id)
		if s.EndReason != protocols.EndStopped || s.Status != storage.StatusEnded {
			t.Errorf("session %s: %s %s", id, s.Status, s.EndReason)
		}
	}
}
