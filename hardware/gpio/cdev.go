package gpio

// This is the only file that knows go-gpiocdev.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"syscall"
	"time"

	"github.com/warthog618/go-gpiocdev"
)

// consumer is the name the kernel shows for lines this package holds.
const consumer = "fivechoice"

// cdev is the kernel's GPIO character device, uAPI v2.
type cdev struct{}

func (cdev) chips() ([]string, error) {
	var out []string
	for _, n := range gpiocdev.Chips() { // also udev symlinks named gpiochip*
		if reChipName.MatchString(n) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (cdev) chipInfo(path string) (chipInfo, error) {
	// go-gpiocdev refuses a symlink (it checks the path with lstat), so a
	// udev symlink such as /dev/gpiochip-box1 is followed here.
	dev, err := filepath.EvalSymlinks(path)
	if err != nil {
		return chipInfo{}, chipError(path, err)
	}
	c, err := gpiocdev.NewChip(dev, gpiocdev.WithConsumer(consumer))
	if err != nil {
		return chipInfo{}, chipError(path, err)
	}
	defer c.Close()
	if v := c.UapiAbiVersion(); v != 2 {
		return chipInfo{}, fmt.Errorf("%s: kernel offers GPIO uAPI v%d, v2 is needed", path, v)
	}
	info := chipInfo{name: c.Name, label: c.Label, lines: c.Lines(), lineNames: make([]string, c.Lines())}
	for off := range info.lineNames {
		li, err := c.LineInfo(off)
		if err != nil {
			return chipInfo{}, fmt.Errorf("%s line %d: %w", path, off, err)
		}
		info.lineNames[off] = li.Name
	}
	return info, nil
}

// chipError says why a chip could not be opened, in the package's terms.
func chipError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, gpiocdev.ErrNotCharacterDevice):
		return fmt.Errorf("%w: %s: %v", ErrNoChip, path, err)
	case errors.Is(err, fs.ErrPermission):
		return noAccess(path, err)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

func lineOptions(l lineSpec) []gpiocdev.SubsetLineConfigOption {
	opts := []gpiocdev.SubsetLineConfigOption{gpiocdev.AsActiveHigh}
	if l.activeLow {
		opts[0] = gpiocdev.AsActiveLow
	}
	switch l.bias {
	case BiasDisabled:
		opts = append(opts, gpiocdev.WithBiasDisabled)
	case BiasPullUp:
		opts = append(opts, gpiocdev.WithPullUp)
	case BiasPullDown:
		opts = append(opts, gpiocdev.WithPullDown)
	}
	return opts
}

func (cdev) requestInputs(chip string, ls []lineSpec, debounce time.Duration, handler func(edge)) (io.Closer, error) {
	offsets := make([]int, len(ls))
	for i, l := range ls {
		offsets[i] = l.offset
	}
	// Request-wide options first: per-line configurations start as copies
	// of the request's.
	opts := []gpiocdev.LineReqOption{
		gpiocdev.WithConsumer(consumer),
		gpiocdev.WithABIVersion(2),
		gpiocdev.WithBothEdges,
		gpiocdev.WithMonotonicEventClock,
	}
	if debounce > 0 {
		opts = append(opts, gpiocdev.WithDebounce(debounce))
	}
	opts = append(opts, gpiocdev.WithEventHandler(func(e gpiocdev.LineEvent) {
		handler(edge{
			offset:    e.Offset,
			active:    e.Type == gpiocdev.LineEventRisingEdge,
			timestamp: e.Timestamp,
			seqno:     e.Seqno,
			lineSeqno: e.LineSeqno,
		})
	}))
	for _, l := range ls {
		opts = append(opts, gpiocdev.WithLines([]int{l.offset}, lineOptions(l)...))
	}
	req, err := gpiocdev.RequestLines(chip, offsets, opts...)
	if err != nil {
		return nil, requestError(chip, offsets, err)
	}
	return req, nil
}

type cdevOutput struct{ l *gpiocdev.Line }

func (o cdevOutput) setValue(active bool) error {
	v := 0
	if active {
		v = 1
	}
	return o.l.SetValue(v)
}

func (o cdevOutput) Close() error { return o.l.Close() }

func (cdev) requestOutput(chip string, l lineSpec) (outputLine, error) {
	opts := []gpiocdev.LineReqOption{
		gpiocdev.WithConsumer(consumer),
		gpiocdev.WithABIVersion(2),
		gpiocdev.AsOutput(0),
		gpiocdev.WithLines([]int{l.offset}, lineOptions(l)...),
	}
	line, err := gpiocdev.RequestLine(chip, l.offset, opts...)
	if err != nil {
		return nil, requestError(chip, []int{l.offset}, err)
	}
	return cdevOutput{line}, nil
}

// requestError says why the kernel refused a request, in the package's
// terms.
func requestError(chip string, offsets []int, err error) error {
	switch {
	case errors.Is(err, syscall.EBUSY):
		return fmt.Errorf("%w: %s lines %v: held by another chamber or program (see gpioinfo)", ErrLineBusy, chip, offsets)
	case errors.Is(err, gpiocdev.ErrInvalidOffset):
		return fmt.Errorf("%w: %s lines %v", ErrNoLine, chip, offsets)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, gpiocdev.ErrNotCharacterDevice), errors.Is(err, fs.ErrPermission):
		return chipError("/dev/"+chip, err)
	}
	return fmt.Errorf("request %s lines %v: %w", chip, offsets, err)
}
