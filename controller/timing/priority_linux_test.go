package timing_test

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/fivechoice/fivechoice/controller/timing"
)

// TestRealtimePriorityReachesEveryThread runs in a child process, so that
// the policy it sets stays out of the other tests. It checks that every
// thread the process has, and every thread the runtime starts afterwards,
// runs under SCHED_FIFO at the priority asked for; where the kernel refuses
// (no root, CAP_SYS_NICE or RLIMIT_RTPRIO), that the refusal says so and
// changes nothing.
func TestRealtimePriorityReachesEveryThread(t *testing.T) {
	if os.Getenv("FIVECHOICE_RT_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRealtimePriorityReachesEveryThread$", "-test.v")
		cmd.Env = append(os.Environ(), "FIVECHOICE_RT_CHILD=1")
		out, err := cmd.CombinedOutput()
		t.Logf("child:\n%s", out)
		if err != nil {
			t.Fatalf("child: %v", err)
		}
		return
	}
	const prio = 7
	policy, err := timing.SetRealtimePriority(prio)
	if errors.Is(err, unix.EPERM) {
		if a, _ := unix.SchedGetAttr(0, 0); a.Policy != unix.SCHED_NORMAL {
			t.Fatalf("refused, yet the policy is now %d", a.Policy)
		}
		t.Skipf("not permitted here: %v (policy %s)", err, policy)
	}
	if err != nil {
		t.Fatal(err)
	}
	if policy != "SCHED_FIFO priority 7" {
		t.Errorf("policy %q", policy)
	}
	// Make the runtime start threads: goroutines locked to threads, all at once.
	var ready, release sync.WaitGroup
	release.Add(1)
	for range 8 {
		ready.Add(1)
		go func() {
			runtime.LockOSThread()
			ready.Done()
			release.Wait()
		}()
	}
	ready.Wait()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 9 {
		t.Fatalf("%d threads: the test did not start new ones", len(tasks))
	}
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		a, err := unix.SchedGetAttr(tid, 0)
		if err != nil {
			continue // ended meanwhile
		}
		if a.Policy != unix.SCHED_FIFO || a.Priority != prio {
			t.Errorf("thread %d: policy %d priority %d, want SCHED_FIFO %d", tid, a.Policy, a.Priority, prio)
		}
	}
	release.Done()

	s := timing.New()
	defer s.Close()
	if got := s.Stats().Priority; got != policy {
		t.Errorf("scheduler thread %q, want %q", got, policy)
	}
	if _, err := timing.SetRealtimePriority(100); err == nil {
		t.Error("priority 100 accepted")
	}
}
