package gpio

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A placed wiring is a wiring found on this machine: the chip it names and
// the offset of every line, named lines included.
type placed struct {
	w     Wiring // as given, with every named line's offset filled in
	dev   string // the chip's device name, gpiochipN
	label string
}

// describe names a placed line in messages: gpiochip0 line 17, with its
// name if the wiring gave it by name.
func (p placed) describe(l Line) string {
	if l.Name != "" {
		return fmt.Sprintf("%s line %d (%s)", p.dev, l.Offset, l.Name)
	}
	return fmt.Sprintf("%s line %d", p.dev, l.Offset)
}

// A finder finds wirings' chips and lines on the machine, asking the
// kernel about each chip once.
type finder struct {
	h     host
	infos map[string]chipInfo // by the path asked for
	errs  map[string]error
}

func newFinder(h host) *finder {
	return &finder{h: h, infos: map[string]chipInfo{}, errs: map[string]error{}}
}

func (f *finder) info(path string) (chipInfo, error) {
	if info, ok := f.infos[path]; ok {
		return info, nil
	}
	if err, ok := f.errs[path]; ok {
		return chipInfo{}, err
	}
	info, err := f.h.gpio.chipInfo(path)
	if err != nil {
		f.errs[path] = err
		return chipInfo{}, err
	}
	f.infos[path] = info
	return info, nil
}

// chip finds the chip a wiring names, by path (checking its label) or by
// label. Its errors name the field at fault.
func (f *finder) chip(w Wiring) (chipInfo, error) {
	path := w.chipPath()
	if path == "" {
		info, err := f.byLabel(strings.TrimSpace(w.Chip))
		if err != nil {
			return chipInfo{}, fmt.Errorf("chip: %w", err)
		}
		return info, nil
	}
	info, err := f.info(path)
	if err != nil {
		return chipInfo{}, fmt.Errorf("chip: %w", err)
	}
	if want := strings.TrimSpace(w.ChipLabel); info.label != want {
		what := info.name
		if strings.TrimPrefix(w.Chip, "/dev/") != info.name {
			what = fmt.Sprintf("%s (%s)", w.Chip, info.name)
		}
		return chipInfo{}, fmt.Errorf("chip_label: %w: %s is labelled %q, not %q: check the chip's number or path (gpiodetect lists every chip with its label), or name the chip by its label",
			ErrWrongChip, what, info.label, want)
	}
	return info, nil
}

// byLabel finds the one chip with a label.
func (f *finder) byLabel(label string) (chipInfo, error) {
	names, err := f.h.gpio.chips()
	if err != nil {
		return chipInfo{}, fmt.Errorf("looking for the chip labelled %q: %w", label, err)
	}
	var found []chipInfo
	var seen []string
	var denied error
	for _, n := range names {
		info, err := f.info("/dev/" + n)
		if err != nil {
			if denied == nil && errors.Is(err, ErrNoAccess) {
				denied = err
			}
			continue
		}
		seen = append(seen, fmt.Sprintf("%s %q", info.name, info.label))
		if info.label == label {
			found = append(found, info)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		var devs []string
		for _, info := range found {
			devs = append(devs, info.name)
		}
		return chipInfo{}, fmt.Errorf("%w: %d chips are labelled %q (%s): name one by its path (e.g. a udev symlink made from its serial number) with chip_label: %s",
			ErrChipTwice, len(found), label, strings.Join(devs, ", "), label)
	case denied != nil:
		return chipInfo{}, fmt.Errorf("looking for the chip labelled %q: %w", label, denied)
	}
	have := "no GPIO chips"
	if len(seen) > 0 {
		have = strings.Join(seen, ", ")
	}
	hint := ""
	if strings.HasPrefix(label, "gpiochip") {
		hint = " (a device file is named by its path, e.g. /dev/" + label + ", with chip_label)"
	}
	return chipInfo{}, fmt.Errorf("%w: no chip is labelled %q%s; this machine has %s", ErrNoChip, label, hint, have)
}

// place finds a valid wiring's chip and lines. It returns every problem,
// each naming its field.
func (f *finder) place(w Wiring) (placed, []error) {
	info, err := f.chip(w)
	if err != nil {
		return placed{}, []error{err}
	}
	p := placed{dev: info.name, label: info.label}
	offsets := map[string][]int{} // line name → offsets with it
	for off, name := range info.lineNames {
		if name != "" {
			offsets[name] = append(offsets[name], off)
		}
	}
	chip := fmt.Sprintf("%s (%q)", info.name, info.label)
	var errs []error
	taken := map[int]string{} // offset → field
	p.w = w.withLines(func(field string, l Line) Line {
		key := field + "." + l.key()
		if l.Name != "" {
			offs := offsets[l.Name]
			switch len(offs) {
			case 0:
				errs = append(errs, fmt.Errorf("%s: %w: %s has no line named %q (gpioinfo %s lists the names)", key, ErrNoLine, chip, l.Name, info.name))
				return l
			case 1:
				l.Offset = offs[0]
			default:
				errs = append(errs, fmt.Errorf("%s: %w: %s has %d lines named %q (offsets %s): give the offset instead",
					key, ErrNameTwice, chip, len(offs), l.Name, joinInts(offs)))
				return l
			}
		} else if l.Offset >= info.lines {
			errs = append(errs, fmt.Errorf("%s: %w: %s has lines 0 to %d, not %d", key, ErrNoLine, info.name, info.lines-1, l.Offset))
			return l
		}
		if other, dup := taken[l.Offset]; dup {
			errs = append(errs, fmt.Errorf("%s: %w: %s is also %s", key, ErrLineTwice, p.describe(l), other))
			return l
		}
		taken[l.Offset] = field
		return l
	})
	return p, errs
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range slices.Sorted(slices.Values(xs)) {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
