package gpio

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// UdevRule gives the group gpio read-write access to every GPIO chip. It
// is what Raspberry Pi OS ships; Debian has neither the rule nor the
// group. docs/gpio.md and deploy/udev/60-fivechoice-gpio.rules carry it.
const UdevRule = `SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"`

// noAccess explains a chip the kernel refused to open: whose the device
// is, who is asking, and the two ways to grant access. The person reading
// it is setting up a lab machine, so it says what to type.
func noAccess(path string, err error) error {
	group, mode := "", "?"
	if fi, serr := os.Stat(path); serr == nil {
		mode = fmt.Sprintf("%#o", fi.Mode().Perm())
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			group = groupName(st.Gid)
		}
	}
	return fmt.Errorf("%w: %s: %v (the device has mode %s, group %s; this process runs as uid %d): %s",
		ErrNoAccess, path, err, mode, group, os.Getuid(), accessHint(group))
}

// accessHint says how to give the daemon's user access to a chip owned by
// group ("root", or "" if unknown: then only the udev rule helps).
func accessHint(group string) string {
	rule := "install the udev rule '" + UdevRule + "' as /etc/udev/rules.d/60-fivechoice-gpio.rules " +
		"(then: sudo groupadd -f gpio; sudo udevadm control --reload; sudo udevadm trigger) and add the user to the group gpio " +
		"(sudo usermod -aG gpio USER; under systemd, SupplementaryGroups=gpio)"
	if group == "root" || group == "" {
		return "the chip is not open to a group: " + rule
	}
	return fmt.Sprintf("add the user running fivechoice to the group %s (sudo usermod -aG %s USER, then log in again; under systemd, SupplementaryGroups=%s), or %s",
		group, group, group, rule)
}

func groupName(gid uint32) string {
	id := strconv.FormatUint(uint64(gid), 10)
	if g, err := user.LookupGroupId(id); err == nil {
		return g.Name
	}
	if gid == 0 {
		return "root"
	}
	return id
}
