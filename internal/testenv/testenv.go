// Package testenv decides what a test does when a real component it needs
// (a Prometheus server, Chromium, the AVR toolchain, a kernel image for the
// GPIO virtual machine) is missing on the machine: outside CI it skips with
// the reason, so a developer's laptop runs what it can; under CI (CI=true)
// it fails, because a check that silently did not run is a check CI did not
// make.
package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// InCI reports whether the tests run under CI (the CI environment variable
// is a true value, as GitHub Actions, GitLab and .ci/run set it).
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// Missing stops the test because a component it needs is missing: a skip
// outside CI, a failure under CI. what names the component and how to get
// it ("prometheus (Debian package prometheus)").
func Missing(t testing.TB, what string, err error) {
	t.Helper()
	msg := what + " is missing"
	if err != nil {
		msg += ": " + err.Error()
	}
	if InCI() {
		t.Fatalf("%s; CI must run this test (.ci/run installs it)", msg)
	}
	t.Skip(msg + "; skipping outside CI")
}

// Command returns the path of an executable the test needs, or stops the
// test as Missing does. pkg is the Debian package that provides it.
func Command(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" (Debian package "+pkg+")", err)
	}
	return path
}
