package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/fivechoice/fivechoice/controller/timing"
)

func setRealtime(t *testing.T, p int) error {
	_, err := timing.SetRealtimePriority(p)
	return err
}

func threadPolicy() string {
	a, err := unix.SchedGetAttr(0, 0)
	switch {
	case err != nil:
		return err.Error()
	case a.Policy == unix.SCHED_FIFO:
		return "fifo"
	case a.Policy == unix.SCHED_NORMAL:
		return "normal"
	}
	return "other"
}

// TestHandlersRunBelowTimers runs in a child process (the policy it sets
// would stay with the other tests): with the whole process under
// SCHED_FIFO, as the daemon puts it, an API handler runs at the normal
// policy, and so do later requests on the same connection.
func TestHandlersRunBelowTimers(t *testing.T) {
	if os.Getenv("FIVECHOICE_RT_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHandlersRunBelowTimers$", "-test.v")
		cmd.Env = append(os.Environ(), "FIVECHOICE_RT_CHILD=1")
		out, err := cmd.CombinedOutput()
		t.Logf("child:\n%s", out)
		if err != nil {
			t.Fatalf("child: %v", err)
		}
		return
	}
	if err := setRealtime(t, 3); err != nil {
		t.Skipf("real-time priority not permitted here: %v", err)
	}
	h := guarded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(threadPolicy())
	}), 4)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnContext = ConnContext
	srv.Start()
	defer srv.Close()
	for i := range 3 {
		resp, err := srv.Client().Get(srv.URL + "/api/v1/chambers")
		if err != nil {
			t.Fatal(err)
		}
		var policy string
		json.NewDecoder(resp.Body).Decode(&policy)
		resp.Body.Close()
		if policy != "normal" {
			t.Errorf("request %d ran under %s, want normal", i, policy)
		}
	}
	if p := threadPolicy(); p == "normal" {
		t.Errorf("the test's own thread left real time too")
	}
}
