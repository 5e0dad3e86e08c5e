package hosttest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// stubBoard is the firmware built for the Linux host against stub/.
type stubBoard struct {
	pty string // the pty's slave, for the host
	ctl io.Writer

	mu     sync.Mutex
	writes []stubWrite
}

type stubWrite struct {
	micros     uint32
	pin, level int
}

// stubPin is the stub's number of an Arduino pin (stub/Arduino.h: A0 is 14).
func stubPin(name string) int {
	n, _ := strconv.Atoi(name[1:])
	if strings.HasPrefix(name, "A") {
		return 14 + n
	}
	return n
}

func (b *stubBoard) path() string { return b.pty }

func (b *stubBoard) set(pin string, level int) {
	fmt.Fprintf(b.ctl, "P %d %d\n", stubPin(pin), level)
}

func (b *stubBoard) writesTo(pin string) []write {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ws []write
	for _, w := range b.writes {
		if w.pin == stubPin(pin) {
			ws = append(ws, write{at: time.Duration(w.micros) * time.Microsecond, level: w.level})
		}
	}
	return ws
}

// buildStub compiles the sketch for the host once per test binary.
var buildStub = sync.OnceValues(func() (string, error) {
	gxx, err := exec.LookPath("g++")
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "fivechoice-board")
	if err != nil {
		return "", err
	}
	buildDir = dir
	bin := filepath.Join(dir, "board")
	out, err := exec.Command(gxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-O1", "-Istub",
		"-x", "c++", "../fivechoice-board.ino", "-x", "none", "stub/stub.cpp", "-o", bin).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("g++: %v\n%s", err, out)
	}
	return bin, nil
})

// startStub runs the host build of the firmware on a new pseudo-terminal.
func startStub(t *testing.T) board {
	t.Helper()
	bin, err := buildStub()
	if err != nil {
		if _, ok := err.(*exec.Error); ok {
			t.Skipf("no C++ compiler to build the firmware for the host: %v", err)
		}
		t.Fatal(err)
	}
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	raw(t, slave)
	ctlR, ctlW, _ := os.Pipe()
	logR, logW, _ := os.Pipe()
	cmd := exec.Command(bin)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = master, master, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // even if the test binary dies
	cmd.ExtraFiles = []*os.File{ctlR, logW}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	master.Close()
	ctlR.Close()
	logW.Close()
	b := &stubBoard{pty: slave.Name(), ctl: ctlW}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(logR)
		for sc.Scan() {
			var w stubWrite
			if _, err := fmt.Sscanf(sc.Text(), "W %d %d %d", &w.micros, &w.pin, &w.level); err == nil {
				b.mu.Lock()
				b.writes = append(b.writes, w)
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		ctlW.Close()
		<-done
	})
	return b
}

func raw(t *testing.T, f *os.File) {
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag = tio.Cflag&^(unix.CSIZE|unix.PARENB) | unix.CS8
	if err := unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
}
