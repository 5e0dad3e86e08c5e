package emulator

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
	"github.com/fivechoice/fivechoice/hardware/serial"
)

const usage = `usage: fivechoice board-emulator [flags]

Runs an emulated fivechoice I/O board on a pseudo-terminal and prints the
pty's path; open that path as a serial chamber. Runs until interrupted.

Script file: one edge a line, "<board time from HELLO> <input> entry|release",
e.g. "2.5s hole3 entry"; # starts a comment.
Faults: KIND[:N]@TIME, TIME from the start; KIND is silence, resume,
garbage (N lines, default 10), corrupt (the next N frames, default 5),
flood, reset or hangup.

`

// Main is the board-emulator command: it prints the pty's path on stdout
// and runs the board until ctx is done.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("board-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	holes := fs.Int("holes", 5, "nose-poke holes (1 to 9)")
	offset := fs.Duration("offset", 0, "board clock reading at start (modulo 71m34.967296s)")
	ppm := fs.Float64("drift-ppm", 0, "board clock drift against the host's, ppm (positive: fast)")
	proto := fs.String("protocol", serial.Protocol.String(), "protocol version the board claims")
	firmware := fs.String("firmware", "emulator-1.0.0", "firmware version the board reports")
	script := fs.String("script", "", "file of scripted edges")
	frozen := fs.Bool("frozen-clock", false, "the board clock never advances (as QEMU's AVR machines)")
	respond := fs.Duration("respond", 0, "poke every lit hole and enter the magazine when lit, after this latency (0: never)")
	link := fs.String("link", "", "also make a symbolic link with this name to the pty")
	verbose := fs.Bool("v", false, "log every frame on stderr")
	var faults []fault
	fs.Func("fault", "inject a fault, KIND[:N]@TIME (repeatable)", func(s string) error {
		f, err := parseFault(s)
		faults = append(faults, f)
		return err
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("board-emulator: unexpected argument %q", fs.Arg(0))
	}
	v, err := parseVersion(*proto)
	if err != nil {
		return fmt.Errorf("board-emulator: -protocol: %w", err)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	opts := []Option{
		WithHoles(*holes), WithClock(*offset, *ppm), WithProtocol(v), WithFirmware(*firmware),
		WithLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))),
	}
	if *script != "" {
		steps, err := ReadScript(*script)
		if err != nil {
			return fmt.Errorf("board-emulator: %w", err)
		}
		opts = append(opts, WithScript(steps))
	}
	if *respond > 0 {
		opts = append(opts, WithSubject(Responder(*respond)))
	}
	if *frozen {
		opts = append(opts, WithFrozenClock())
	}
	b, err := New(opts...)
	if err != nil {
		return fmt.Errorf("board-emulator: %w", err)
	}
	defer b.Close()
	if *link != "" {
		if fi, err := os.Lstat(*link); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			os.Remove(*link) // a link left by an earlier run
		}
		if err := os.Symlink(b.Path(), *link); err != nil {
			return fmt.Errorf("board-emulator: %w", err)
		}
		defer os.Remove(*link)
	}
	for _, f := range faults {
		t := time.AfterFunc(f.at, func() { f.apply(b) })
		defer t.Stop()
	}
	fmt.Fprintln(stdout, b.Path())
	fmt.Fprintf(stderr, "board emulator: protocol %v, %d holes, clock offset %v, drift %g ppm; stop with Ctrl-C\n", v, *holes, *offset, *ppm)
	<-ctx.Done()
	return nil
}

func parseVersion(s string) (serial.Version, error) {
	major, minor, ok := strings.Cut(s, ".")
	a, err1 := strconv.ParseUint(major, 10, 8)
	b, err2 := strconv.ParseUint(minor, 10, 8)
	if !ok || err1 != nil || err2 != nil {
		return serial.Version{}, fmt.Errorf("bad version %q (want major.minor)", s)
	}
	return serial.Version{Major: uint8(a), Minor: uint8(b)}, nil
}

type fault struct {
	kind string
	n    int
	at   time.Duration
}

func parseFault(s string) (fault, error) {
	what, at, ok := strings.Cut(s, "@")
	d, err := time.ParseDuration(at)
	if !ok || err != nil {
		return fault{}, fmt.Errorf("fault %q: want KIND[:N]@TIME, e.g. silence@30s", s)
	}
	kind, count, hasN := strings.Cut(what, ":")
	f := fault{kind: kind, at: d, n: map[string]int{"garbage": 10, "corrupt": 5}[kind]}
	if hasN {
		if f.n, err = strconv.Atoi(count); err != nil || f.n < 1 {
			return fault{}, fmt.Errorf("fault %q: bad count %q", s, count)
		}
	}
	switch kind {
	case "silence", "resume", "garbage", "corrupt", "flood", "reset", "hangup":
		return f, nil
	}
	return fault{}, fmt.Errorf("fault %q: unknown kind %q", s, kind)
}

func (f fault) apply(b *Board) {
	b.log.Info("emulator: fault", "kind", f.kind, "n", f.n)
	switch f.kind {
	case "silence":
		b.Silence(true)
	case "resume":
		b.Silence(false)
	case "garbage":
		b.Garbage(f.n)
	case "corrupt":
		b.CorruptNext(f.n)
	case "flood":
		b.Flood(true)
	case "reset":
		b.Reset()
	case "hangup":
		b.HangUp()
	}
}

// ReadScript reads a script file: one edge a line, "<board time from
// HELLO> <input> entry|release" ("2.5s hole3 entry", "3s magazine
// release"); blank lines and # comments are skipped.
func ReadScript(path string) ([]Step, error) {
	fl, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	var steps []Step
	sc := bufio.NewScanner(fl)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		st, err := parseStep(f)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		steps = append(steps, st)
	}
	return steps, sc.Err()
}

func parseStep(f []string) (Step, error) {
	if len(f) != 3 {
		return Step{}, errors.New(`want "<time> <input> entry|release"`)
	}
	at, err := time.ParseDuration(f[0])
	if err != nil || at < 0 {
		return Step{}, fmt.Errorf("bad time %q", f[0])
	}
	in, err := hardware.ParseInput(f[1])
	if err != nil {
		return Step{}, err
	}
	if f[2] != "entry" && f[2] != "release" {
		return Step{}, fmt.Errorf("bad edge %q (entry or release)", f[2])
	}
	return Step{At: at, Input: in, Entry: f[2] == "entry"}, nil
}
