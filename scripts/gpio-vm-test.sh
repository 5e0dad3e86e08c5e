#!/usr/bin/env bash
# Runs the hardware/gpio tests against a real Linux kernel: boots Debian
# unstable's kernel (which has gpio-sim as a module) in QEMU without KVM,
# with an initramfs holding busybox, gpio-sim and the statically linked
# test binary, and exits with the tests' status.
#
#   scripts/gpio-vm-test.sh [test flags, e.g. -test.run=TestKernelSession]
#
# Exit status: 0 the tests passed, 1 they failed (or the VM died under
# them), 77 SKIP: this machine cannot run them (a "SKIP: reason" line says
# why: no apt access to sid, QEMU cannot boot, ...). Under CI=true there is
# no skipping: what would skip fails (exit 1), since CI must run them.
#
# The kernel is fetched with apt from the suite sid of the Debian mirror
# this machine uses, with its own apt configuration, and kept in
# $FIVECHOICE_GPIO_VM_CACHE (default ~/.cache/fivechoice-gpio-vm). The
# package lists are refreshed once a day (FIVECHOICE_GPIO_VM_REFRESH=1
# forces it); without network the last kernel fetched is used.
# FIVECHOICE_GPIO_VM_MIRROR overrides the mirror (…/debian);
# FIVECHOICE_GPIO_VM_QEMU the QEMU binary; FIVECHOICE_GPIO_VM_SMP the
# virtual CPUs (1); FIVECHOICE_GPIO_VM_ACCEL QEMU's -accel (tcg);
# FIVECHOICE_GPIO_VM_TIMEOUT the seconds the VM may run (1500).
set -euo pipefail

SKIP=77
skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: CI=true, and the GPIO kernel tests cannot run: $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit "$SKIP"
}
fail() { echo "FAIL: $*"; exit 1; }
say() { echo "gpio-vm: $*"; }

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FIVECHOICE_GPIO_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fivechoice-gpio-vm}
timeout_s=${FIVECHOICE_GPIO_VM_TIMEOUT:-1500}
qemu=${FIVECHOICE_GPIO_VM_QEMU:-qemu-system-x86_64}
accel=${FIVECHOICE_GPIO_VM_ACCEL:-tcg}
smp=${FIVECHOICE_GPIO_VM_SMP:-1}
mkdir -p "$cache"

start=$(date +%s.%N)
phase_start=$start
declare -a timings=()
phase() { # phase NAME: records the time since the previous phase
	local now
	now=$(date +%s.%N)
	timings+=("$(awk -v a="$now" -v b="$phase_start" -v n="$1" 'BEGIN {printf "%-10s %6.1fs", n, a - b}')")
	phase_start=$now
}

# One run at a time per cache.
exec 9>"$cache/lock"
command -v flock >/dev/null && flock 9

# --- Tools -----------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
installed busybox-static || need+=(busybox-static)
if ((${#need[@]})); then
	[ "$(id -u)" = 0 ] || skip "${need[*]} not installed, and not root to install them"
	say "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || skip "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || skip "cannot install ${need[*]}"
fi
for tool in dpkg-deb gzip go apt-get apt-cache; do
	command -v "$tool" >/dev/null || skip "$tool is missing"
done
busybox=/bin/busybox
[ -x "$busybox" ] || skip "busybox-static installed but $busybox missing"
phase tools

# --- The kernel, from sid ----------------------------------------------------
# The mirror this machine uses (one-line or deb822 sources), suite sid.
mirror=${FIVECHOICE_GPIO_VM_MIRROR:-}
[ -n "$mirror" ] || mirror=$(
	{
		grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
			sed -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | awk '{print $1}'
		grep -hsiE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources | sed -E 's/^[[:space:]]*URIs:[[:space:]]*//I' | tr ' ' '\n'
	} | grep -E '^https?://[^[:space:]]+/debian/?$' | head -1 | sed 's,/$,,'
) || true
[ -n "$mirror" ] || skip "no Debian mirror (…/debian) found in /etc/apt/sources.list*"
mirror=${mirror%/}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || skip "$keyring missing (debian-archive-keyring)"

apt_dir=$cache/apt
mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d" "$apt_dir/preferences.d"
echo "deb [arch=amd64 signed-by=$keyring] $mirror sid main" >"$apt_dir/sources.list"
apt_opts=(
	-o "Dir::Etc::sourcelist=$apt_dir/sources.list"
	-o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
	-o "Dir::Etc::preferences=$apt_dir/preferences"
	-o "Dir::Etc::preferencesparts=$apt_dir/preferences.d"
	-o "Dir::State=$apt_dir/state"
	-o "Dir::State::status=/dev/null"
	-o "Dir::Cache=$apt_dir/cache"
	-o "APT::Architecture=amd64" -o "APT::Architectures::=amd64"
	-o "Acquire::Languages=none"
	-o "Debug::NoLocking=1"
)
[ "$(id -u)" = 0 ] && apt_opts+=(-o "APT::Sandbox::User=root")

kernels=$cache/kernel
release_file=$(echo "${mirror#*://}" | tr / _)_dists_sid_InRelease
fresh=$(find "$apt_dir/state/lists" -maxdepth 1 -name "$release_file" -mmin -1440 2>/dev/null | head -1)
offline=
if [ -z "$fresh" ] || [ -n "${FIVECHOICE_GPIO_VM_REFRESH:-}" ]; then
	say "apt-get update (sid at $mirror)"
	# apt-get update only warns when it cannot fetch: look for the list.
	apt-get "${apt_opts[@]}" update -qq >"$cache/apt-update.log" 2>&1 || true
	if grep -qE '^(W|E): Failed to fetch' "$cache/apt-update.log" || [ ! -s "$apt_dir/state/lists/$release_file" ]; then
		[ -e "$kernels/current/.done" ] || skip "cannot reach sid at $mirror (see $cache/apt-update.log)"
		offline=1
		say "apt-get update failed: using the kernel fetched last time"
	fi
fi

if [ -z "$offline" ]; then
	# linux-image-amd64 → linux-image-ABI (→ linux-binary-ABI, linux-modules-ABI
	# in kernels from 7.x; older ones ship everything in linux-image-ABI).
	meta=$(apt-cache "${apt_opts[@]}" depends linux-image-amd64 2>/dev/null |
		awk '$1 ~ /Depends:$/ && $2 ~ /^linux-image-/ {print $2; exit}' || true)
	[ -n "$meta" ] || skip "linux-image-amd64 not found in sid at $mirror"
	version=$(apt-cache "${apt_opts[@]}" show "$meta" | awk '/^Version:/ {print $2; exit}')
	pkgs=("$meta")
	while read -r p; do pkgs+=("$p"); done < <(
		apt-cache "${apt_opts[@]}" depends "$meta" |
			awk '$1 ~ /Depends:$/ && $2 ~ /^linux-(binary|modules)-/ && $2 !~ /unsigned/ {print $2}'
	)
	key="${meta}_${version}"
	if [ ! -e "$kernels/$key/.done" ]; then
		debs=$cache/debs/$key
		mkdir -p "$debs"
		say "fetching ${pkgs[*]} ($version)"
		(cd "$debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" >"$cache/apt-download.log" 2>&1) ||
			skip "cannot download ${pkgs[*]} from $mirror (see $cache/apt-download.log)"
		phase fetch
		kdir=$kernels/$key
		rm -rf "$kdir"
		mkdir -p "$kdir/root" "$kdir/modules"
		for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$kdir/root"; done
		vmlinuz=$(find "$kdir/root" -name 'vmlinuz*' -type f | head -1)
		[ -n "$vmlinuz" ] || fail "no vmlinuz in ${pkgs[*]}"
		mv "$vmlinuz" "$kdir/vmlinuz"
		find "$kdir/root" -name 'gpio-sim.ko*' | grep -q . || skip "sid's kernel $version has no gpio-sim module"
		# The module and what it depends on, dependencies first.
		order=()
		load() {
			local name=${1//-/_} f deps d
			for d in "${order[@]}"; do
				if [ "$d" = "$name" ]; then return 0; fi
			done
			f=$(find "$kdir/root" \( -name "$name.ko*" -o -name "${name//_/-}.ko*" \) | head -1)
			[ -n "$f" ] || fail "module $name not found"
			case $f in
			*.ko.xz) "$busybox" xzcat "$f" >"$kdir/modules/$name.ko" ;;
			*.ko.gz) gzip -dc "$f" >"$kdir/modules/$name.ko" ;;
			*.ko.zst) zstd -qdc "$f" >"$kdir/modules/$name.ko" || skip "zstd needed for $f" ;;
			*.ko) cp "$f" "$kdir/modules/$name.ko" ;;
			esac
			deps=$("$busybox" strings -a "$kdir/modules/$name.ko" | sed -n 's/^depends=//p' | head -1 | tr ',' ' ')
			for d in $deps; do load "$d"; done
			order+=("$name")
		}
		load gpio_sim
		printf '%s\n' "${order[@]}" >"$kdir/modules/order"
		echo "$meta $version" >"$kdir/version"
		rm -rf "$kdir/root"
		touch "$kdir/.done"
		phase extract
	fi
	ln -sfn "$key" "$kernels/current"
	# Keep only the current kernel.
	for d in "$kernels"/* "$cache"/debs/*; do
		[ -e "$d" ] || continue
		case $(basename "$d") in current | "$key") ;; *) rm -rf "$d" ;; esac
	done
fi
kdir=$(readlink -f "$kernels/current")
say "kernel: $(cat "$kdir/version"), modules: $(tr '\n' ' ' <"$kdir/modules/order")"
phase kernel

# --- The test binary and the initramfs --------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
# The package itself must not need cgo.
CGO_ENABLED=0 go build -o /dev/null ./hardware/gpio/ || fail "hardware/gpio does not build with CGO_ENABLED=0"
# Its tests run sessions through controller, which imports storage and so
# go-sqlite3 (cgo): then the test binary is linked statically with cgo,
# as the initramfs has no C library. The same goes for the daemon and the
# tests of cmd/fivechoice, whose kernel test (kill -9 with outputs on, then
# the outputs-off command) runs the daemon in the VM.
static=(-tags osusergo,netgo -ldflags '-linkmode=external -extldflags=-static')
quiet_static() { grep -v -e 'dlopen' -e 'unixDlOpen' -e '^# github.com/fivechoice/' >&2; }
cgo_deps=$(go list -deps -test -f '{{if .CgoFiles}}{{.ImportPath}}{{end}}' ./hardware/gpio/ | grep -vxE 'runtime/cgo|net|os/user' | tr '\n' ' ' || true)
if [ -z "$cgo_deps" ]; then
	say "building the test binary (CGO_ENABLED=0)"
	CGO_ENABLED=0 go test -c -o "$work/gpio.test" ./hardware/gpio/ || fail "cannot build the tests"
else
	say "building the test binary, static with cgo (the tests import $cgo_deps)"
	CGO_ENABLED=1 go test -c "${static[@]}" -o "$work/gpio.test" ./hardware/gpio/ 2> >(quiet_static) ||
		fail "cannot build the tests"
fi
say "building the daemon and the tests of cmd/fivechoice, static with cgo"
CGO_ENABLED=1 go build "${static[@]}" -o "$work/fivechoice" ./cmd/fivechoice 2> >(quiet_static) ||
	fail "cannot build the daemon"
CGO_ENABLED=1 go test -c "${static[@]}" -o "$work/cmd.test" ./cmd/fivechoice 2> >(quiet_static) ||
	fail "cannot build the tests of cmd/fivechoice"
cd - >/dev/null
phase build

ir=$work/initramfs
mkdir -p "$ir/bin" "$ir/dev" "$ir/proc" "$ir/sys" "$ir/tmp" "$ir/lib/modules"
cp "$busybox" "$ir/bin/busybox"
cp "$kdir"/modules/*.ko "$kdir/modules/order" "$ir/lib/modules/"
cp "$work/gpio.test" "$work/cmd.test" "$work/fivechoice" "$ir/"
cp "$root/scripts/gpio-vm/init" "$ir/init"
chmod +x "$ir/init" "$ir/gpio.test" "$ir/cmd.test" "$ir/fivechoice"
printf '%s\n' "$@" >"$ir/test-args"
(cd "$ir" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initramfs.gz"
phase initramfs

# --- Boot ----------------------------------------------------------------------
log=$work/console.log
# A guest kernel that dies while booting, before our init runs, is QEMU's
# trouble, not the tests' (seen with -smp 2 under multi-threaded TCG): boot
# once more.
for attempt in 1 2; do
	say "booting under QEMU/TCG (no KVM), $smp CPU(s)"
	set +e
	timeout "$timeout_s" "$qemu" -accel "$accel" -smp "$smp" -nographic -m 512 \
		-kernel "$kdir/vmlinuz" -initrd "$work/initramfs.gz" \
		-append "console=ttyS0 panic=-1" -no-reboot </dev/null 2>&1 | tr -d '\r' | tee "$log"
	qemu_status=${PIPESTATUS[0]}
	set -e
	if grep -q '^FIVECHOICE-GPIO-VM: kernel' "$log" || ! grep -qE 'Kernel panic|Oops' "$log"; then
		break
	fi
	say "the guest kernel died while booting (attempt $attempt)"
	cp "$log" "$cache/boot-failure-$attempt.log"
done
cp "$log" "$cache/last-console.log"
phase vm

echo
echo "=== gpio-vm summary ==="
grep -E '^FIVECHOICE-GPIO-VM: ' "$log" || true
grep -E '^\s*--- (PASS|FAIL|SKIP)' "$log" || true
grep -E 'MEASURE ' "$log" | sed -E 's/^[[:space:]]*[a-z_]+\.go:[0-9]+: //' || true
# The output of every failed test.
awk '/^=== RUN/ {block = ""} {block = block $0 "\n"} /^--- FAIL/ {printf "%s", block; block = ""}' "$log"
printf '%s\n' "${timings[@]}"
awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN {printf "total      %6.1fs\n", a - b}'
echo "console log: $cache/last-console.log"

if ! grep -q 'Linux version' "$log"; then
	skip "QEMU did not boot the kernel (status $qemu_status): $(tail -3 "$log" | tr '\n' ' ')"
fi
status=$(sed -n 's/^FIVECHOICE-GPIO-VM-EXIT=\([0-9]*\).*/\1/p' "$log" | tail -1)
[ -n "$status" ] || fail "the VM stopped before the tests finished (QEMU status $qemu_status)"
if [ "$status" = 0 ]; then
	grep -qE -- '--- PASS: TestKernel' "$log" || fail "no kernel test ran"
	! grep -E -- '--- SKIP: TestKernel' "$log" | grep -qv TestKernelVM || fail "kernel tests skipped inside the VM"
	echo "PASS"
	exit 0
fi
echo "FAIL: tests exited $status"
exit 1
