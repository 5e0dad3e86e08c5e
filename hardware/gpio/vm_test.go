package gpio

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestKernelVM runs this package's tests, and cmd/fivechoice's kernel
// tests, against a real kernel with gpio-sim, by booting one in QEMU
// (scripts/gpio-vm-test.sh). It runs where QEMU and busybox-static are
// installed (as .ci/run does). Where the VM cannot boot (no QEMU, busybox,
// kernel or modules) it skips with the reason, but under CI=true it fails:
// there the kernel tests must run. It also skips, asked to, under -short and
// with FIVECHOICE_GPIO_VM_TEST=0, and inside the VM itself.
func TestKernelVM(t *testing.T) {
	switch {
	case os.Getenv("FIVECHOICE_GPIO_VM") != "":
		t.Skip("inside the test VM")
	case testing.Short():
		t.Skip("-short: not booting the test VM")
	case os.Getenv("FIVECHOICE_GPIO_VM_TEST") == "0":
		t.Skip("FIVECHOICE_GPIO_VM_TEST=0")
	}
	cannot := t.Skip
	if inCI() {
		cannot = func(args ...any) {
			t.Fatal(append([]any{"CI=true, and the GPIO kernel tests cannot run:"}, args...)...)
		}
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		cannot("qemu-system-x86_64 not installed (apt-get install qemu-system-x86 busybox-static)")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		cannot("busybox not installed (apt-get install busybox-static)")
	}
	script, err := filepath.Abs("../../scripts/gpio-vm-test.sh")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command("bash", script)
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		for _, l := range summaryLines(out.String()) {
			t.Log(l)
		}
	case errors.As(err, &exit) && exit.ExitCode() == 77:
		cannot(lastMatch(out.String(), `(?m)^SKIP: .*$`))
	default:
		t.Fatalf("%s: %v\n%s", script, err, tail(out.String(), 80))
	}
}

// summaryLines picks the script's summary: results, figures and timings.
// inCI says whether the tests run in continuous integration, where a test
// whose real component is missing fails instead of skipping.
func inCI() bool { return os.Getenv("CI") == "true" }

func summaryLines(s string) []string {
	_, after, ok := strings.Cut(s, "=== gpio-vm summary ===")
	if !ok {
		return nil
	}
	var ls []string
	for _, l := range strings.Split(strings.TrimSpace(after), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--- PASS") {
			ls = append(ls, l)
		}
	}
	return ls
}

func lastMatch(s, re string) string {
	m := regexp.MustCompile(re).FindAllString(s, -1)
	if len(m) == 0 {
		return "SKIP (no reason given)"
	}
	return m[len(m)-1]
}

func tail(s string, n int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}
