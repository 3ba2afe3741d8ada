#!/bin/bash
# SPDX-License-Identifier: MIT
# The nested lab: real KVM and real VFIO on a machine without either.
# L0 (this machine) runs QEMU TCG; L1 is a Debian kernel with kvm-amd, VFIO
# and an emulated Intel IOMMU; ferry runs in L1 and its guests are L2.
#
#   lab.sh run SCENARIO...   boot L1 once, run the scenarios, report each
#   lab.sh prepare           only download and build the images
#   lab.sh shell             boot L1 to an interactive shell (debugging)
#
# Scenarios are tests/lab/scenarios/NAME.sh, run inside L1 chrooted into
# this machine's root (shared read-only over 9p), so every absolute path is
# the same as here. Exit status: 0 if every scenario passed.
# Environment: FERRY_BUILD (default build), FERRY_LAB_CACHE (default
# ~/.cache/ferry-lab), FERRY_LAB_TIMEOUT (seconds per L1 boot, default 240),
# FERRY_LAB_ACCEL (L0's -accel for every scenario, overriding the default
# tcg and a scenario's "# lab-accel:" line).
#
# If L1 reports no result for a scenario (it hung: on multi-threaded TCG
# L1 now and then stalls, seen as RCU stalls and soft lockups; see
# docs/lab.md), the boot is tried again, up to three times in all, and the
# log says so. A scenario that reports FAIL is never retried.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${FERRY_BUILD:-$REPO/build}" && pwd)
CACHE=${FERRY_LAB_CACHE:-${HOME:-/root}/.cache/ferry-lab}
TIMEOUT=${FERRY_LAB_TIMEOUT:-240}
LAB=$REPO/tests/lab

say() { printf 'lab: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

need_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "install as root: apt-get install ${missing[*]}"
	say "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The newest generic 6.1 kernel, from the linux-image-amd64 meta-package.
kernel_version() {
	local v
	v=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -n1)
	if [ -z "$v" ]; then
		apt-get update -qq
		v=$(apt-cache depends linux-image-amd64 |
			sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -n1)
	fi
	[ -n "$v" ] || die "cannot resolve linux-image-amd64 in the Debian archive"
	echo "$v"
}

# Download and unpack linux-image-$KVER-unsigned once; run depmod on it.
fetch_kernel() {
	local kver=$1 dir=$CACHE/$1
	if [ -f "$dir/.done" ]; then
		return 0
	fi
	say "downloading linux-image-$kver-unsigned"
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	(cd "$dir/deb" && apt-get download -q "linux-image-$kver-unsigned" 2>&1 |
		grep -v '^W: Download is performed unsandboxed' >&2 || true)
	ls "$dir"/deb/*.deb >/dev/null 2>&1 || die "download of linux-image-$kver-unsigned failed"
	dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
	rm -rf "$dir/deb"
	depmod -b "$dir/root" "$kver"
	touch "$dir/.done"
}

# Modules L1 and L2 need, with their dependencies from modules.dep.
L1_MODULES="kvm-amd vfio-pci vfio_iommu_type1 mdev 9p 9pnet_virtio virtio_pci"
L2_MODULES="nvme"

# module_closure ROOT KVER MODULE...: the .ko files to load them.
module_closure() {
	local root=$1 kver=$2 m
	shift 2
	for m in "$@"; do
		modprobe -d "$root" -S "$kver" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" { print $2 }'
	done | sort -u
}

build_initramfs() {
	local out=$1 tree=$2
	(cd "$tree" && find . -print0 | cpio --null -o -H newc --quiet) |
		gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
}

busybox_tree() {
	local tree=$1
	mkdir -p "$tree"/{bin,sbin,dev,proc,sys,tmp,etc,lib,mnt,host}
	cp /bin/busybox "$tree/bin/busybox"
	ln -sf busybox "$tree/bin/sh"
}

# build_initrd OUT INIT KVER MODULE...: busybox, INIT as /init, and the
# module closure; rebuilt only when INIT, busybox or the list change.
build_initrd() {
	local out=$1 init=$2 kver=$3 root=$CACHE/$3/root
	shift 3
	local stamp tree m
	stamp=$( (cat "$init" /bin/busybox; echo "$kver $*") | sha1sum | cut -c1-12)
	[ -f "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	say "building $(basename "$out")"
	tree=$(mktemp -d)
	busybox_tree "$tree"
	cp "$init" "$tree/init"
	chmod +x "$tree/init"
	for m in $(module_closure "$root" "$kver" "$@"); do
		mkdir -p "$tree/$(dirname "${m#"$root"}")"
		cp "$m" "$tree/${m#"$root"}"
	done
	mkdir -p "$tree/lib/modules/$kver"
	cp "$root/lib/modules/$kver"/modules.{dep,dep.bin,alias,alias.bin,symbols,symbols.bin,builtin,builtin.bin,order} \
		"$tree/lib/modules/$kver/" 2>/dev/null || true
	build_initramfs "$out" "$tree"
	rm -rf "$tree"
	echo "$stamp" >"$out.stamp"
}

build_l1() {
	# shellcheck disable=SC2086
	build_initrd "$CACHE/$1/l1.cpio.gz" "$LAB/l1-init.sh" "$1" $L1_MODULES
}

# L2: what ferry (and QEMU) boot inside L1.
build_l2() {
	# shellcheck disable=SC2086
	build_initrd "$CACHE/l2.cpio.gz" "$LAB/l2-init.sh" "$1" $L2_MODULES
}

# A disk for the passed-through NVMe controller (fresh each run), and an
# 8 KiB expansion ROM for the first edu (PCI ROM signature 55 aa).
make_device_files() {
	rm -f "$CACHE/nvme.img"
	truncate -s 64M "$CACHE/nvme.img"
	python3 "$LAB/tools/option-rom.py" >"$CACHE/edu-rom.bin"
}

prepare() {
	need_packages qemu-system-x86 busybox-static cpio kmod xz-utils
	mkdir -p "$CACHE"
	KVER=$(kernel_version)
	fetch_kernel "$KVER"
	build_l1 "$KVER"
	build_l2 "$KVER"
	make_device_files
	[ -x "$BUILD/ferry" ] || die "no ferry binary in $BUILD: build it first (./dev run)"
}

# Extra L1 kernel arguments a scenario asks for in a "# lab-append:" line.
scenario_append() {
	sed -n 's/^# lab-append: *//p' "$LAB/scenarios/$1.sh" | head -n1
}

# L0's -accel: FERRY_LAB_ACCEL, else the scenario's "# lab-accel:" line
# (tcg,thread=single where multi-threaded TCG's nested SVM breaks L2; see
# docs/lab.md), else tcg.
scenario_accel() {
	local a
	a=$(sed -n 's/^# lab-accel: *//p' "$LAB/scenarios/$1.sh" | head -n1)
	echo "${FERRY_LAB_ACCEL:-${a:-tcg}}"
}

# boot_l1 SCENARIOS [EXTRA-APPEND [ACCEL]]: run QEMU TCG with L1, print its
# console.
boot_l1() {
	local scenarios=$1 kdir=$CACHE/$KVER accel=${3:-${FERRY_LAB_ACCEL:-tcg}}
	local append="console=ttyS0 panic=-1 quiet intel_iommu=on ${2:-}"
	append+=" lab.repo=$REPO lab.build=$BUILD lab.cache=$CACHE"
	append+=" lab.kernel=$kdir/root/boot/vmlinuz-$KVER lab.l2initrd=$CACHE/l2.cpio.gz"
	append+=" lab.scenarios=$scenarios lab.benchruns=${LAB_BENCH_RUNS:-5}"
	timeout --foreground "$TIMEOUT" qemu-system-x86_64 \
		-accel "$accel" -machine q35 -cpu qemu64,+svm,+npt -m 2G -smp 2 \
		-nographic -no-reboot -net none \
		-kernel "$kdir/root/boot/vmlinuz-$KVER" -initrd "$kdir/l1.cpio.gz" \
		-append "$append" \
		-device intel-iommu,caching-mode=on \
		-device edu,romfile="$CACHE/edu-rom.bin" \
		-device pci-bridge,id=br1,chassis_nr=1 \
		-device edu,bus=br1,addr=1 -device virtio-rng-pci,bus=br1,addr=2 \
		-drive file="$CACHE/nvme.img",if=none,id=nv0,format=raw \
		-device nvme,serial=lab,drive=nv0 \
		-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap
}

run() {
	[ $# -gt 0 ] || die "name at least one scenario (tests/lab/scenarios/*.sh)"
	local s
	for s in "$@"; do
		[ -f "$LAB/scenarios/$s.sh" ] || die "no scenario '$s' in tests/lab/scenarios"
	done
	prepare
	local log extra accel
	log=$(mktemp)
	# Scenarios asking for other L1 kernel arguments or another -accel need
	# an L1 of their own.
	extra=$(scenario_append "$1")
	accel=$(scenario_accel "$1")
	for s in "$@"; do
		[ "$(scenario_append "$s")" = "$extra" ] ||
			die "scenarios with different lab-append lines cannot share an L1 boot"
		[ "$(scenario_accel "$s")" = "$accel" ] ||
			die "scenarios with different lab-accel lines cannot share an L1 boot"
	done
	local attempt r missing
	for attempt in 1 2 3; do
		say "booting L1 ($KVER, -accel $accel) for: $* (attempt $attempt)"
		local IFS=,
		boot_l1 "$*" "$extra" "$accel" | tee "$log" || true
		unset IFS
		missing=0
		for s in "$@"; do
			grep -aq "^LAB-RESULT $s " "$log" || missing=1
		done
		[ $missing = 0 ] && break
		[ $attempt -lt 3 ] && say "L1 gave no result for every scenario (hung?): trying again"
	done
	local fail=0
	for s in "$@"; do
		r=$(sed -n "s/^LAB-RESULT $s \([0-9]*\).*/\1/p" "$log" | tr -d '\r' | tail -n1)
		if [ -z "$r" ]; then
			say "$s: NO RESULT (L1 did not finish it: timeout or crash)"
			fail=1
		elif [ "$r" = 0 ]; then
			say "$s: PASS"
		else
			say "$s: FAIL (status $r)"
			fail=1
		fi
	done
	rm -f "$log"
	return $fail
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
run) run "$@" ;;
prepare) prepare ;;
shell) prepare; boot_l1 shell ;;
*) echo "usage: lab.sh run SCENARIO... | prepare | shell" >&2; exit 2 ;;
esac
