#!/bin/bash
# SPDX-License-Identifier: MIT
# The nested lab: real KVM and real VFIO on a machine without either.
# L0 (this machine) runs QEMU TCG; L1 is a Debian kernel with kvm-amd, VFIO
# and an emulated Intel IOMMU; ferry runs in L1 and its guests are L2.
#
#   lab.sh run SCENARIO...   boot L1 once, run the scenarios, report each
#   lab.sh exec [--rw DIR]... [--ro PATH]... [--] CMD [ARG]...
#                            run one command in L1, its terminal being
#                            ours; exit with its status (125: the lab
#                            itself failed)
#   lab.sh prepare           only download and build the images
#   lab.sh shell             boot L1 to an interactive shell (debugging)
#
# A scenario with "# lab-arch: arm64" runs in the arm64 lab instead
# (tests/lab/arm64.sh): L0 is qemu-system-aarch64, L1 Debian's arm64
# kernel, ferry the static aarch64 build in FERRY_BUILD_ARM64 (default
# build-arm64, built here when out of date); FERRY_LAB_ARCH=arm64 does the
# same for exec and shell.
#
# Commands run in L1 chrooted into this machine's root, shared read-only
# over 9p, so every absolute path is the same as here. The repository, the
# build, the cache and every --ro/--rw path are also shared on their own
# and mounted at their own paths, so they are visible even where L1 has
# its own file systems (a tmpfs on /tmp and /run). --rw directories are
# writable from L1. A per-run directory (under the cache) carries the
# configuration in and each scenario's status and log out.
#
# One run at a time: a lock file (FERRY_LAB_LOCK, default
# /tmp/ferry-lab.lock) makes a second run wait for the first.
# Environment: FERRY_BUILD (default build), FERRY_LAB_CACHE (default
# ~/.cache/ferry-lab), FERRY_LAB_ACCEL (L0's -accel for every scenario,
# overriding the default tcg and a scenario's "# lab-accel:" line),
# FERRY_LAB_MEM (L1's RAM for exec, default 4G), FERRY_LAB_TIMEOUT
# (seconds for an exec, default none), FERRY_LAB_KERNEL (L1's kernel for
# exec and shell: debian, the default, or a kernel.sh NAME such as
# iommufd; scenarios say theirs with "# lab-kernel: NAME"),
# FERRY_LAB_L1_CPU (L1's x86 -cpu, default qemu64,+svm,+npt,family=17:
# for comparing CPU models; docs/lab.md). exec runs L0 on single-threaded
# TCG (see lab_exec).
#
# Time limits: each scenario runs under its own budget ("# lab-timeout: S",
# default 240 s); a scenario that runs out of it FAILS (a hang in ferry is a
# failure, never a retry). An L1 boot gets the sum of its scenarios' budgets
# plus 120 s (on multi-threaded TCG, plus the longest budget once more: room
# for the one re-run below). A boot that ends without every result is retried only when
# L1's console shows the known stall of multi-threaded TCG in L0 (RCU
# stalls, soft lockups, or L1 triple-faulted: docs/lab.md) or L1's heartbeat stopped 90 s
# before the boot ended (L1 froze); then only the scenarios without a
# result run again, at most twice more. Every attempt's results are kept
# in the run directory and printed. A failed scenario in which ferry's L2
# triple-faulted while L0 ran multi-threaded TCG (whose nested SVM breaks
# L2 now and then: docs/lab.md) runs once more in the same L1 (l1-init.sh,
# "LAB-RERUN" in the log); its second result is final. Before that, the
# one command that saw the triple fault runs again, at most twice
# (lib.sh run_checked, "LAB-RETRY-CHECK" in the log).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${FERRY_BUILD:-$REPO/build}
BUILD=$(cd "$BUILD" 2>/dev/null && pwd || echo "$BUILD") # checked in prepare
CACHE=${FERRY_LAB_CACHE:-${HOME:-/root}/.cache/ferry-lab}
LAB=$REPO/tests/lab
BOOT_MARGIN=120
DEFAULT_BUDGET=240
ARCH=${FERRY_LAB_ARCH:-x86}
BUSYBOX=/bin/busybox	# the busybox of L1's and L2's initramfs
HOST_ROOT=/		# L1's root file system, shared over 9p
# What prepare resolves: L1's kernel, L2's initramfs, and what only the x86
# lab has (empty in the arm64 lab).
LAB_KERNEL_PATH='' L2_INITRD='' VMLINUX_PATH='' CLOUD_KERNEL_PATH='' L2_MDEV_INITRD='' MDEV_DIR='' VIOMMU_KERNEL_PATH='' L2_VIOMMU_INITRD=''
STALL_RE='rcu: INFO: rcu_[a-z]* (self-)?detected stall|watchdog: BUG: soft lockup|timer wakeup didn.t happen'

say() { printf 'lab: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 125; }

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

# kernel_version META: the kernel a meta-package (linux-image-amd64: the
# newest generic 6.1; linux-image-6.12-amd64: bookworm's 6.12, from its
# security updates) depends on, e.g. 6.1.0-57-amd64.
kernel_version() {
	local meta=$1 v
	v=$(apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -n1)
	if [ -z "$v" ]; then
		apt-get update -qq
		v=$(apt-cache depends "$meta" |
			sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -n1)
	fi
	[ -n "$v" ] || die "cannot resolve $meta in the Debian archive (bookworm's 6.12 comes from bookworm-security: is it in the apt sources?)"
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

# The vmlinux inside the kernel's bzImage (its payload, xz): an ELF with
# Linux's PVH entry note, for the PVH scenarios; and the same bzImage with
# a gzip payload whose vmlinux has no PVH note (bzImage-gzip-nopvh beside
# it), for ferry's 64-bit fallback. Made once per kernel.
extract_vmlinux() {
	local dir=$CACHE/$1
	if [ ! -f "$dir/vmlinux" ]; then
		python3 "$REPO/tests/lab/tools/extract-vmlinux.py" \
			"$dir/root/boot/vmlinuz-$1" "$dir/vmlinux" ||
			die "cannot extract vmlinux from vmlinuz-$1"
	fi
	if [ ! -f "$dir/bzImage-gzip-nopvh" ]; then
		python3 "$REPO/tests/lab/tools/repack-bzimage.py" \
			"$dir/root/boot/vmlinuz-$1" "$dir/bzImage-gzip-nopvh" \
			--no-pvh || die "cannot repack vmlinuz-$1"
	fi
}

# Modules L1 and L2 need, with their dependencies from modules.dep. The
# lab's own kernels (kernel.sh) build in what L1 always needs.
L1_MODULES="kvm-amd vfio-pci vfio_iommu_type1 mdev 9p 9pnet_virtio virtio_pci"
L1_MODULES_BUILT="mdev"
L2_MODULES="nvme"
# The virtio-iommu scenarios' L2 (the 6.12 kernel, where virtio-iommu is a
# module; 6.1 has none).
L2_VIOMMU_MODULES="nvme virtio_iommu"
# The mediated-device scenario's L2 also has the bochs DRM driver (for
# mbochs): 2 MB of modules the other L2 boots need not load.
L2_MDEV_MODULES="nvme bochs"

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
	mkdir -p "$tree"/{bin,sbin,dev,proc,sys,tmp,etc,lib,mnt,host,lab}
	cp "$BUSYBOX" "$tree/bin/busybox"
	ln -sf busybox "$tree/bin/sh"
}

# build_initrd OUT INIT KVER MODULE...: busybox, INIT as /init, and the
# module closure (listed in /etc/lab-modules for INIT to load); rebuilt
# only when INIT, busybox or the list change.
build_initrd() {
	local out=$1 init=$2 kver=$3 root=${KROOT:-$CACHE/$3/root}
	shift 3
	local stamp tree m
	stamp=$( (cat "$init" "$BUSYBOX"; echo "$kver $*") | sha1sum | cut -c1-12)
	[ -f "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	say "building $(basename "$out")"
	tree=$(mktemp -d)
	busybox_tree "$tree"
	cp "$init" "$tree/init"
	chmod +x "$tree/init"
	echo "$*" >"$tree/etc/lab-modules"
	for m in $(module_closure "$root" "$kver" "$@"); do
		mkdir -p "$tree/$(dirname "${m#"$root"}")"
		cp "$m" "$tree/${m#"$root"}"
	done
	mkdir -p "$tree/lib/modules/$kver"
	cp "$root/lib/modules/$kver"/modules.{dep,dep.bin,alias,alias.bin,symbols,symbols.bin,builtin,builtin.bin,builtin.modinfo,order} \
		"$tree/lib/modules/$kver/" 2>/dev/null || true
	# 6.12's modules are xz-compressed; busybox's modprobe may not
	# decompress: unpack them and index them again.
	if [ -n "$(find "$tree/lib/modules" -name '*.ko.xz' -print -quit)" ]; then
		find "$tree/lib/modules" -name '*.ko.xz' -exec xz -d {} +
		depmod -b "$tree" "$kver" || die "depmod of $(basename "$out") failed"
	fi
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

# QEMU 10.0 from bookworm-backports for L1 (the yardstick needs 8.2 or
# later for -object iommufd; bookworm has 7.2), unpacked once under the
# cache with a private apt configuration (the system's sources are left
# alone). Its wrapper runs it in a mount namespace of its own, where its
# modules are bound over the host's 7.2 ones (QEMU refuses modules of
# another build). Sets LAB_QEMU_BPO to the wrapper.
fetch_qemu_bpo() {
	local dir=$CACHE/qemu-bpo apt tmp d
	LAB_QEMU_BPO=$dir/qemu-system-x86_64
	[ -f "$dir/.done" ] && return 0
	say "downloading QEMU from bookworm-backports (for the iommufd yardstick)"
	rm -rf "$dir"
	mkdir -p "$dir/apt/lists/partial" "$dir/root"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main" \
		>"$dir/apt/sources.list"
	apt=(-o "Dir::Etc::SourceList=$dir/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$dir/apt/lists" -o Debug::NoLocking=1)
	apt-get "${apt[@]}" update -qq 2>&1 | grep -v unsandboxed >&2 || true
	tmp=$(mktemp -d "$CACHE/dl-XXXX")
	(cd "$tmp" && apt-get "${apt[@]}" download -q qemu-system-x86 qemu-system-common \
		qemu-system-data 2>&1 | grep -v unsandboxed >&2 || true)
	ls "$tmp"/qemu-system-x86_*.deb >/dev/null 2>&1 || die "download of QEMU from bookworm-backports failed"
	for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$dir/root"; done
	rm -rf "$tmp" "$dir/apt"
	if ldd "$dir/root/usr/bin/qemu-system-x86_64" | grep -q 'not found'; then
		die "QEMU from bookworm-backports needs libraries this host lacks: $(ldd "$dir/root/usr/bin/qemu-system-x86_64" | grep 'not found' | tr -s ' \n' ' ')"
	fi
	cat >"$LAB_QEMU_BPO" <<'WRAP'
#!/bin/sh
# QEMU from bookworm-backports (lab.sh fetch_qemu_bpo), with its own modules.
d=$(cd "$(dirname "$0")" && pwd)/root
exec unshare -m /bin/sh -c 'mount --bind "$0/usr/lib/x86_64-linux-gnu/qemu" /usr/lib/x86_64-linux-gnu/qemu &&
	exec "$0/usr/bin/qemu-system-x86_64" -L "$0/usr/share/qemu" "$@"' "$d" "$@"
WRAP
	chmod +x "$LAB_QEMU_BPO"
	touch "$dir/.done"
}

# use_l1_kernel NAME: L1 boots Debian's kernel ("debian") or one the lab
# builds (tests/lab/kernel/NAME.config, "# lab-kernel: NAME"); sets
# L1_KERNEL, L1_INITRD, L1_NAME and L1_KERNEL_APPEND (arguments that
# kernel needs). L2 always boots Debian's ($LAB_KERNEL).
#
# The lab's own kernels build KVM in, so KVM takes the host's TSC rate
# from the kernel's first, quick calibration (under TCG the 7.2 kernel
# cannot use the PIT and estimates 2093-2099.7 MHz against HPET), not the
# refined one (2100.000 MHz) that the TSC then runs at. Every VM's vCPUs
# then ask for a rate outside KVM's 250 ppm tolerance; with no TSC
# scaling (TCG's SVM has none) kvm_set_tsc_khz() fails before it sets the
# vCPU's TSC multiplier, which stays 0, so KVM takes the guest's TSC to be
# constant and arms each TSC-deadline timer about L1's uptime too late: a
# guest that uses that timer (ferry's Linux L2s) hangs at its first sleep
# once L1 has run a while (seen as vfio-iommufd-nvme hanging before its
# FLR, whatever ran before it). A wider tolerance keeps the multiplier at
# 1; KVM's idea of the rate is then off by under 0.4%, which only moves
# timer expiries by as much. Debian's modular KVM loads after the refined
# calibration and needs none of this.
use_l1_kernel() {
	L1_NAME=$1
	L1_KERNEL_APPEND=
	if [ "$1" = debian ]; then
		L1_KERNEL=$CACHE/$KVER/root/boot/vmlinuz-$KVER
		L1_INITRD=$CACHE/$KVER/l1.cpio.gz
		return 0
	fi
	L1_KERNEL_APPEND="kvm.tsc_tolerance_ppm=10000"
	# shellcheck source=tests/lab/kernel.sh
	LAB_KERNEL_SOURCE_ONLY=1 . "$LAB/kernel.sh"
	lab_kernel "$1"
	# shellcheck disable=SC2086
	KROOT=$LK_DIR/root build_initrd "$LK_DIR/l1.cpio.gz" "$LAB/l1-init.sh" "$LK_VER" $L1_MODULES_BUILT
	L1_KERNEL=$LK_DIR/bzImage
	L1_INITRD=$LK_DIR/l1.cpio.gz
	fetch_qemu_bpo
}

build_l2_viommu() {
	# shellcheck disable=SC2086
	build_initrd "$CACHE/l2-viommu.cpio.gz" "$LAB/l2-init.sh" "$1" $L2_VIOMMU_MODULES
}

build_l2_mdev() {
	# shellcheck disable=SC2086
	build_initrd "$CACHE/l2-mdev.cpio.gz" "$LAB/l2-init.sh" "$1" $L2_MDEV_MODULES
}

# build_mdev_samples KVER: Linux's samples/vfio-mdev (mtty, mbochs) and
# ferry's own tests/lab/mdev-pin/pindma.c, built out of tree for L1's
# kernel into $CACHE/mdev-KVER, from Debian's linux-source and the headers
# of that kernel, unpacked in the cache (not installed: L0's own headers
# stay as they are). The samples once (~2 minutes, most of it unpacking
# the source tarball); pindma again whenever its source changes.
build_mdev_samples() {
	local kver=$1 dir=$CACHE/mdev-$1 ver series hdr stamp
	hdr=$dir/root/usr/src/linux-headers-$kver
	if [ ! -f "$dir/.done" ]; then
		need_packages make gcc-12
		say "building the mdev samples (mtty, mbochs) for $kver"
		ver=$(apt-cache show "linux-headers-$kver" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
		[ -n "$ver" ] || die "no linux-headers-$kver in the Debian archive"
		series=$(echo "$kver" | cut -d. -f1,2)
		rm -rf "$dir"
		mkdir -p "$dir/deb" "$dir/root" "$dir/build"
		(cd "$dir/deb" && apt-get download -q "linux-headers-$kver=$ver" \
			"linux-headers-${kver%-*}-common=$ver" "linux-kbuild-$series=$ver" \
			"linux-source-$series=$ver" 2>&1 |
			grep -v '^W: Download is performed unsandboxed' >&2 || true)
		[ "$(find "$dir/deb" -name '*.deb' | wc -l)" = 4 ] ||
			die "download of the headers and source of $kver failed"
		for d in "$dir"/deb/linux-headers-*.deb "$dir"/deb/linux-kbuild-*.deb; do
			dpkg-deb -x "$d" "$dir/root"
		done
		# Its Makefile includes the common part by absolute path.
		sed -i "s|/usr/src/|$dir/root/usr/src/|" "$hdr/Makefile"
		dpkg-deb --fsys-tarfile "$dir"/deb/linux-source-*.deb |
			tar -xO "./usr/src/linux-source-$series.tar.xz" |
			tar -xJ -C "$dir/build" --strip-components=3 \
				"linux-source-$series/samples/vfio-mdev"
		echo 'obj-m := mtty.o mbochs.o' >"$dir/build/Kbuild"
		make -s -C "$hdr" M="$dir/build" CC=gcc-12 modules >"$dir/build.log" 2>&1 ||
			{ cat "$dir/build.log" >&2; die "building the mdev samples failed"; }
		cp "$dir/build/mtty.ko" "$dir/build/mbochs.ko" "$dir/"
		rm -rf "$dir/deb" "$dir/build"
		touch "$dir/.done"
	fi
	stamp=$(sha1sum <"$LAB/mdev-pin/pindma.c" | cut -c1-12)
	[ -f "$dir/pindma.ko" ] && [ "$(cat "$dir/pindma.stamp" 2>/dev/null)" = "$stamp" ] &&
		return 0
	say "building pindma.ko for $kver"
	rm -rf "$dir/pin"
	mkdir -p "$dir/pin"
	cp "$LAB/mdev-pin/pindma.c" "$dir/pin/"
	echo 'obj-m := pindma.o' >"$dir/pin/Kbuild"
	make -s -C "$hdr" M="$dir/pin" CC=gcc-12 W=1 modules >"$dir/pin.log" 2>&1 ||
		{ cat "$dir/pin.log" >&2; die "building pindma.ko failed"; }
	cp "$dir/pin/pindma.ko" "$dir/"
	rm -rf "$dir/pin"
	echo "$stamp" >"$dir/pindma.stamp"
}

# A disk for the passed-through NVMe controller (fresh each run), and an
# 8 KiB expansion ROM for the first edu (PCI ROM signature 55 aa).
make_device_files() {
	rm -f "$CACHE/nvme.img"
	truncate -s 64M "$CACHE/nvme.img"
	python3 "$LAB/tools/option-rom.py" >"$CACHE/edu-rom.bin"
}

# servable PATH: can L1 see PATH at the same path? One sentence if not.
servable() {
	case $1 in
	/proc | /proc/* | /sys | /sys/* | /dev | /dev/*)
		die "'$1' is under /proc, /sys or /dev, which L1 has of its own; use a directory elsewhere" ;;
	/*) ;;
	*) die "'$1' is not an absolute path" ;;
	esac
	# The path goes into a QEMU option list (commas) and a shell config.
	if printf '%s' "$1" | grep -q '[^A-Za-z0-9._/+@:~-]'; then
		die "the lab cannot share '$1': its path has spaces, commas or other special characters; move it to a plain path (letters, digits, . _ - + @ : ~)"
	fi
}

# One lab at a time on this machine: L0 is CPU-bound, and runs share the
# cache (the NVMe image is made fresh by each). FERRY_LAB_LOCK names the
# lock file.
lab_lock() {
	local f=${FERRY_LAB_LOCK:-/tmp/ferry-lab.lock}

	exec 9>>"$f"
	if ! flock -n 9; then
		say "waiting for another lab run to finish (lock $f)"
		flock 9
	fi
}

prepare() {
	lab_lock
	mkdir -p "$CACHE"
	CACHE=$(cd "$CACHE" && pwd)
	servable "$CACHE"
	servable "$REPO"
	if [ "$ARCH" = arm64 ]; then
		BUILD=${FERRY_BUILD_ARM64:-$REPO/build-arm64}
		servable "$BUILD"
		"$REPO/scripts/build-arm64.sh" "$BUILD" || die "the arm64 build failed"
		BUILD=$(cd "$BUILD" && pwd)
		arm64_prepare
	else
		need_packages qemu-system-x86 busybox-static cpio kmod xz-utils strace
		servable "$BUILD"
		KVER=$(kernel_version linux-image-amd64)
		fetch_kernel "$KVER"
		# The cloud flavour of the same kernel: no X86_MPPARSE, so it
		# finds more than one CPU through ACPI only (scenario linux-acpi).
		CKVER=${KVER%-amd64}-cloud-amd64
		fetch_kernel "$CKVER"
		# 6.12 (bookworm-security): CONFIG_VIRTIO_IOMMU=m and ACPI_VIOT,
		# for the guests that find ferry's virtio-iommu (linux-viommu).
		VKVER=$(kernel_version linux-image-6.12-amd64)
		fetch_kernel "$VKVER"
		build_l1 "$KVER"
		build_l2 "$KVER"
		build_l2_viommu "$VKVER"
		extract_vmlinux "$KVER"
		build_l2_mdev "$KVER"
		build_mdev_samples "$KVER"
		L2_INITRD=$CACHE/l2.cpio.gz
		LAB_KERNEL_PATH=$CACHE/$KVER/root/boot/vmlinuz-$KVER
		# Only the x86 lab has these (PVH, ACPI and mdev scenarios).
		VMLINUX_PATH=$CACHE/$KVER/vmlinux
		CLOUD_KERNEL_PATH=$CACHE/$CKVER/root/boot/vmlinuz-$CKVER
		L2_MDEV_INITRD=$CACHE/l2-mdev.cpio.gz
		MDEV_DIR=$CACHE/mdev-$KVER
		VIOMMU_KERNEL_PATH=$CACHE/$VKVER/root/boot/vmlinuz-$VKVER
		L2_VIOMMU_INITRD=$CACHE/l2-viommu.cpio.gz
	fi
	make_device_files
	[ -x "$BUILD/ferry" ] || die "no ferry binary in $BUILD: build it first (./dev run)"
}

# The 9p shares besides / and the run directory: "PATH MODE" lines.
SHARES=()
add_share() {
	local p m=$2 i
	p=$(cd "$1" 2>/dev/null && pwd) || p=$1
	servable "$p"
	for i in "${!SHARES[@]}"; do
		if [ "${SHARES[$i]% *}" = "$p" ]; then
			[ "$m" = rw ] && SHARES[$i]="$p rw"
			return 0
		fi
	done
	SHARES+=("$p $m")
}

# new_run: a fresh run directory under the cache; the last 20 are kept.
# The shares are final now: sort them so that L1 mounts a directory before
# the shares inside it.
new_run() {
	local sorted
	mapfile -t sorted < <(printf '%s\n' "${SHARES[@]}" | sort)
	SHARES=("${sorted[@]}")
	mkdir -p "$CACHE/runs"
	RUN=$(mktemp -d "$CACHE/runs/$(date +%Y%m%d-%H%M%S)-XXXX")
	chmod 755 "$RUN"
	# L1 mounts each share at its own path inside a read-only root: an
	# arm64 root of ours needs the mount points made here.
	if [ "$HOST_ROOT" != / ]; then
		local s
		for s in "${SHARES[@]}" "$RUN rw"; do
			mkdir -p "$HOST_ROOT${s% *}"
		done
	fi
	# shellcheck disable=SC2012
	ls -1d "$CACHE"/runs/*/ 2>/dev/null | head -n -20 | xargs -r rm -rf
}

# q STRING: STRING quoted for a POSIX shell.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# write_config MODE ATTEMPT SCENARIOS: what L1's init reads from the run
# directory (/lab in L1).
write_config() {
	local s tag=0 shares
	{
		echo "LAB_MODE=$(q "$1")"
		echo "LAB_ATTEMPT=$(q "$2")"
		echo "LAB_SCENARIOS=$(q "$3")"
		echo "LAB_RUN=$(q "$RUN")"
		echo "LAB_REPO=$(q "$REPO")"
		echo "LAB_BUILD=$(q "$BUILD")"
		echo "LAB_CACHE=$(q "$CACHE")"
		echo "LAB_KERNEL=$(q "$LAB_KERNEL_PATH")"
		echo "LAB_L2_INITRD=$(q "$L2_INITRD")"
		echo "LAB_VMLINUX=$(q "$VMLINUX_PATH")"
		echo "LAB_CLOUD_KERNEL=$(q "$CLOUD_KERNEL_PATH")"
		echo "LAB_L2_MDEV_INITRD=$(q "$L2_MDEV_INITRD")"
		echo "LAB_MDEV_DIR=$(q "$MDEV_DIR")"
		echo "LAB_VIOMMU_KERNEL=$(q "$VIOMMU_KERNEL_PATH")"
		echo "LAB_L2_VIOMMU_INITRD=$(q "$L2_VIOMMU_INITRD")"
		echo "LAB_L1_KERNEL=$(q "${L1_NAME:-debian}")"
		echo "LAB_QEMU_BPO=$(q "${LAB_QEMU_BPO:-}")"
		echo "LAB_BENCH_RUNS=$(q "${LAB_BENCH_RUNS:-5}")"
		echo "LAB_INTERACTIVE=$(q "${INTERACTIVE:-0}")"
		echo "LAB_TERM=$(q "${TERM:-linux}")"
		# For run's re-run rule (l1-init.sh): set by boot_scenarios.
		[ -n "${L0_ACCEL:-}" ] && l0_mttcg "$L0_ACCEL" &&
			echo "LAB_L0_MTTCG=1" || echo "LAB_L0_MTTCG=0"
		shares=
		for s in "${SHARES[@]}"; do
			shares+="s$tag:${s% *} "
			tag=$((tag + 1))
		done
		echo "LAB_SHARES=$(q "$shares")"
		for s in $3; do
			echo "LAB_BUDGET_$(echo "$s" | tr -c 'A-Za-z0-9\n' _)=$(scenario_budget "$s")"
		done
	} >"$RUN/config"
}

# Lines of a scenario's header: "# lab-KEY: VALUE".
scenario_line() {
	sed -n "s/^# lab-$2: *//p" "$LAB/scenarios/$1.sh" | head -n1
}

scenario_budget() {
	local b
	b=$(scenario_line "$1" timeout)
	echo "${b:-$DEFAULT_BUDGET}"
}

# L1's kernel: the scenario's "# lab-kernel: NAME" line, else debian.
scenario_kernel() {
	local k
	k=$(scenario_line "$1" kernel)
	echo "${k:-debian}"
}

# L0's -accel: FERRY_LAB_ACCEL, else the scenario's "# lab-accel:" line
# (tcg,thread=single where multi-threaded TCG's nested SVM breaks L2; see
# docs/lab.md), else tcg.
scenario_accel() {
	local a
	a=$(scenario_line "$1" accel)
	echo "${FERRY_LAB_ACCEL:-${a:-tcg}}"
}

# l1_extra_devices: L0 options for devices only the lab's own kernels' L1
# has: an e1000e, whose extended capabilities (AER, serial number) the
# ext-caps scenarios compare. Sets L1_EXTRA.
l1_extra_devices() {
	L1_EXTRA=()
	case ${L1_NAME:-debian} in
	iommufd) L1_EXTRA=(-device e1000e) ;;
	esac
}

# qemu_l1 ACCEL MEM APPEND CONSOLE-ARGS...: the L0 command line for L1
# (use_l1_kernel first).
qemu_l1() {
	local accel=$1 mem=$2 append=$3 tag=0 s
	shift 3
	l1_extra_devices
	VIRTFS=(-virtfs "local,path=$HOST_ROOT,mount_tag=host,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$RUN,mount_tag=run,security_model=none,multidevs=remap")
	for s in "${SHARES[@]}"; do
		local ro=,readonly=on
		[ "${s##* }" = rw ] && ro=
		VIRTFS+=(-virtfs "local,path=${s% *},mount_tag=s$tag,security_model=none$ro,multidevs=remap")
		tag=$((tag + 1))
	done
	if [ "$ARCH" = arm64 ]; then
		qemu_l1_arm64 "$accel" "$mem" "$append" "$@"
		return
	fi
	# family=17 (0x11): qemu64 says AMD family 0xf, a K8, on which
	# Linux scans 256 PCI buses twice for an AGP aperture (3.2 s of an
	# L2's 7 s to init in the lab); from 0x11 on there is no GART, and
	# 0x11 has 0xf's vulnerability lists (docs/lab.md).
	QEMU_CMD=(qemu-system-x86_64
		-accel "$accel" -machine q35 -cpu "${FERRY_LAB_L1_CPU:-qemu64,+svm,+npt,family=17}" -m "$mem" -smp 2
		-no-reboot -net none "$@"
		-kernel "$L1_KERNEL" -initrd "$L1_INITRD"
		-append "console=ttyS0 panic=-1 quiet intel_iommu=on ${L1_KERNEL_APPEND:-} $append"
		-device intel-iommu,caching-mode=on
		-device edu,romfile="$CACHE/edu-rom.bin"
		-device pci-bridge,id=br1,chassis_nr=1
		-device edu,bus=br1,addr=1 -device virtio-rng-pci,bus=br1,addr=2
		-drive file="$CACHE/nvme.img",if=none,id=nv0,format=raw
		-device nvme,serial=lab,drive=nv0
		"${L1_EXTRA[@]}" "${VIRTFS[@]}")
}

# l0_mttcg ACCEL: does L0 run multi-threaded TCG with this -accel? Its
# nested SVM is what stalls L1 and breaks L2 now and then (docs/lab.md),
# so only then is a stall retried or an L2 triple fault re-run.
l0_mttcg() {
	case $1 in *thread=single*) return 1 ;; esac
}

# boot_budget ACCEL SCENARIO...: seconds an L1 boot of these scenarios
# gets: their budgets and BOOT_MARGIN; on multi-threaded TCG one of them
# may run twice (l1-init.sh's re-run after an L2 triple fault), so the
# longest budget counts once more.
boot_budget() {
	local accel=$1 s b most=0 budget=$BOOT_MARGIN
	shift
	for s in "$@"; do
		b=$(scenario_budget "$s")
		budget=$((budget + b))
		[ "$b" -le "$most" ] || most=$b
	done
	! l0_mttcg "$accel" || budget=$((budget + most))
	echo "$budget"
}

# boot_scenarios ATTEMPT ACCEL APPEND SCENARIO...: one L1 boot; its
# console goes to our stderr and to $RUN/attempt-N/console.log.
boot_scenarios() {
	local attempt=$1 accel=$2 append=$3 budget
	shift 3
	mkdir -p "$RUN/attempt-$attempt"
	L0_ACCEL=$accel write_config run "$attempt" "$*"
	budget=$(boot_budget "$accel" "$@")
	# A soft lockup panics L1 (then -no-reboot ends it) about 25 s after it
	# starts, so a run that will be retried is not held to its budget.
	# -d cpu_reset: QEMU logs "Triple fault" there when L1 itself
	# triple-faults (an L2's goes to L1's KVM as an exit), which with
	# -no-reboot ends L1 without a word on its console (l1_reset).
	qemu_l1 "$accel" 2G "softlockup_panic=1 $append" -display none -monitor none \
		-serial "file:$RUN/attempt-$attempt/console.log" \
		-d cpu_reset -D "$RUN/attempt-$attempt/qemu.log"
	say "booting L1 (${L1_NAME:-debian} kernel, -accel $accel, ${budget} s) for: $* (attempt $attempt)"
	WATCH_CONSOLE=$RUN/attempt-$attempt/console.log \
		run_showing "$RUN/attempt-$attempt/output.log" \
		timeout "$budget" "${QEMU_CMD[@]}"
	date +%s >"$RUN/attempt-$attempt/ended"
	# L1's kernel messages (errors and worse: it boots quiet).
	grep -a '^\[' "$RUN/attempt-$attempt/console.log" | sed 's/^/L1: /' >&2 || true
}

# run_showing FILE CMD...: run CMD (L0's QEMU) with no input, printing
# FILE to stderr as L1 writes it (over the run directory's 9p share, not
# the serial console: an emulated UART is slow, and one that stalls would
# stall the command writing to it).
run_showing() {
	local file=$1 pid wd=
	shift
	: >"$file"
	"$@" </dev/null >/dev/null 2>&1 &
	pid=$!
	if [ -n "${WATCH_CONSOLE:-}" ]; then
		watchdog "$WATCH_CONSOLE" "$pid" &
		wd=$!
	fi
	tail -n +1 -f --pid=$pid "$file" >&2
	wait $pid || true
	[ -z "$wd" ] || kill "$wd" 2>/dev/null || true
}

# watchdog CONSOLE PID: once L1's console (CONSOLE) has shown a heartbeat,
# end PID (timeout, and with it L0's QEMU) when the console then stays
# silent for FROZEN_AFTER seconds: a frozen L1 is retried at once (froze()
# names it) instead of after the whole boot's budget.
watchdog() {
	local console=$1 pid=$2 last
	while kill -0 "$pid" 2>/dev/null; do
		sleep "${WATCH_EVERY:-10}"
		grep -q LAB-HEARTBEAT "$console" 2>/dev/null || continue
		last=$(stat -c %Y "$console" 2>/dev/null) || continue
		if [ $(($(date +%s) - last)) -ge $FROZEN_AFTER ]; then
			say "L1's heartbeat stopped $FROZEN_AFTER s ago: ending this boot"
			kill -TERM "$pid" 2>/dev/null || true
			return 0
		fi
	done
}

# froze ATTEMPT: did L1's heartbeat (l1-init.sh, every 10 s on the
# console) stop at least FROZEN_AFTER seconds before that boot ended?
# Then L1's kernel stopped running user space: no scenario can do that by
# hanging (its budget ends it in a live L1). Prints the reason, or nothing.
FROZEN_AFTER=90
froze() {
	local d=$RUN/attempt-$1 last end
	grep -q LAB-HEARTBEAT "$d/console.log" 2>/dev/null || return 0
	[ -f "$d/ended" ] || return 0
	last=$(stat -c %Y "$d/console.log")
	end=$(cat "$d/ended")
	[ $((end - last)) -ge $FROZEN_AFTER ] &&
		echo "L1 froze: no heartbeat for the last $((end - last)) s"
	return 0
}

# l1_reset ATTEMPT: did L1 itself triple-fault in that boot (QEMU's log),
# silently? L1 runs Debian's kernel on L0's emulated CPU. Scenarios load
# modules into it, though, and drive its KVM: a reset after L1's kernel
# said something (a panic, an oops, a BUG) is not counted. Prints the
# reason, or nothing.
l1_reset() {
	local d=$RUN/attempt-$1
	grep -aq '^Triple fault' "$d/qemu.log" 2>/dev/null || return 0
	grep -Eaq 'Kernel panic|Oops|BUG:' "$d/console.log" 2>/dev/null && return 0
	echo "L1 triple-faulted: QEMU's log in attempt-$1/qemu.log"
}

# result ATTEMPT SCENARIO: its exit status from that attempt, or nothing
# (and status 0 either way: under pipefail a missing file must not end run).
result() {
	local f=$RUN/attempt-$1/$2.status
	[ -f "$f" ] || return 0
	tr -cd 0-9 <"$f"
}

run() {
	[ $# -gt 0 ] || die "name at least one scenario (tests/lab/scenarios/*.sh)"
	local s
	for s in "$@"; do
		[ -f "$LAB/scenarios/$s.sh" ] || die "no scenario '$s' in tests/lab/scenarios"
	done
	ARCH=$(scenario_line "$1" arch)
	ARCH=${ARCH:-x86}
	for s in "$@"; do
		[ "$(scenario_line "$s" arch)" = "$(scenario_line "$1" arch)" ] ||
			die "x86 and arm64 scenarios cannot share an L1 boot"
	done
	prepare
	add_share "$REPO" ro
	add_share "$BUILD" ro
	add_share "$CACHE" ro
	new_run
	# Scenarios asking for other L1 kernel arguments or another -accel need
	# an L1 of their own.
	local extra accel kernel
	extra=$(scenario_line "$1" append)
	accel=$(scenario_accel "$1")
	kernel=$(scenario_kernel "$1")
	for s in "$@"; do
		[ "$(scenario_line "$s" append)" = "$extra" ] ||
			die "scenarios with different lab-append lines cannot share an L1 boot"
		[ "$(scenario_accel "$s")" = "$accel" ] ||
			die "scenarios with different lab-accel lines cannot share an L1 boot"
		[ "$(scenario_kernel "$s")" = "$kernel" ] ||
			die "scenarios with different lab-kernel lines cannot share an L1 boot"
	done
	use_l1_kernel "$kernel"
	local attempt=1 todo=("$@") missing retries=0 r
	declare -A final
	while :; do
		boot_scenarios $attempt "$accel" "$extra" "${todo[@]}"
		missing=()
		for s in "${todo[@]}"; do
			r=$(result $attempt "$s")
			if [ -n "$r" ]; then
				final[$s]="$r (attempt $attempt)"
				say "attempt $attempt: $s: $( [ "$r" = 0 ] && echo PASS || echo "FAIL (status $r)")"
			else
				missing+=("$s")
				say "attempt $attempt: $s: NO RESULT"
			fi
		done
		[ ${#missing[@]} = 0 ] && break
		# Only L0's known stall earns another boot (see the header).
		local stall=
		if l0_mttcg "$accel"; then
			stall=$(grep -Eao "$STALL_RE" "$RUN/attempt-$attempt/console.log" | head -n1 || true)
			[ -n "$stall" ] || stall=$(l1_reset $attempt)
		fi
		[ -n "$stall" ] || stall=$(froze $attempt)
		if [ -n "$stall" ] && [ $attempt -lt 3 ]; then
			retries=$((retries + 1))
			say "attempt $attempt: L1 stalled ($stall), not a scenario's hang: running ${missing[*]} again"
			todo=("${missing[@]}")
			attempt=$((attempt + 1))
			continue
		fi
		for s in "${missing[@]}"; do
			final[$s]="none"
		done
		if [ -n "$stall" ]; then
			say "attempt $attempt: L1 stalled again; no more boots after $attempt"
		else
			say "attempt $attempt: L1 ended without a result for ${missing[*]} and without the known L0 stall: not retried"
			stall=$(l1_reset $attempt)
			[ -z "$stall" ] || say "attempt $attempt: $stall (on single-threaded TCG: not retried)"
		fi
		break
	done
	local fail=0
	for s in "$@"; do
		case ${final[$s]} in
		"0 "*) say "$s: PASS ${final[$s]#* }" ;;
		none) say "$s: FAIL: no result (L1 hung or crashed; console in $RUN)"; fail=1 ;;
		*) say "$s: FAIL: status ${final[$s]}"; fail=1 ;;
		esac
	done
	# Scenarios run again in the same L1 after an L2 triple fault on
	# multi-threaded TCG (l1-init.sh): counted here, named in the log.
	# Single commands run again the same way (lib.sh run_checked).
	local reruns rechecks
	reruns=$(cat "$RUN"/attempt-*/output.log 2>/dev/null | grep -ac '^LAB-RERUN ' || true)
	rechecks=$(cat "$RUN"/attempt-*/output.log 2>/dev/null | grep -ac '^LAB-RETRY-CHECK ' || true)
	say "L1 boots: $attempt, retries after L0 stalls: $retries, scenarios run again after an L2 triple fault: $reruns, commands: $rechecks; logs in $RUN"
	return $fail
}

# exec: one command in L1 with our terminal as its terminal.
lab_exec() {
	while [ $# -gt 0 ]; do
		case $1 in
		--rw) [ $# -ge 2 ] || die "--rw needs a directory"; add_share "$2" rw; shift 2 ;;
		--ro) [ $# -ge 2 ] || die "--ro needs a path"; add_share "$2" ro; shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	[ $# -gt 0 ] || die "exec needs a command"
	prepare
	add_share "$REPO" ro
	add_share "$BUILD" ro
	add_share "$CACHE" ro
	add_share "$PWD" ro
	use_l1_kernel "${FERRY_LAB_KERNEL:-debian}"
	new_run
	INTERACTIVE=0
	[ -t 0 ] && [ -t 1 ] && INTERACTIVE=1
	local a
	{
		printf 'cd %s || exit 125\n' "$(q "$PWD")"
		printf 'exec'
		for a in "$@"; do printf ' %s' "$(q "$a")"; done
		printf '\n'
	} >"$RUN/cmd.sh"
	write_config exec 1 ""
	# Single-threaded TCG: with two TCG threads, L1 froze for good in 2 of
	# 4 runs of the kvm suite (smp guests spinning on both L1 CPUs); on
	# one thread it ran 34 of 34 tests in each of 2 runs, in 2 minutes.
	# There is no retry for exec, so take the one that does not hang.
	local t=() accel=${FERRY_LAB_ACCEL:-tcg,thread=single}
	if [ "$INTERACTIVE" = 1 ]; then
		# Our terminal is the command's, through L1's serial port (no
		# QEMU escape character in the way).
		qemu_l1 "$accel" "${FERRY_LAB_MEM:-4G}" \
			"loglevel=0" -display none -monitor none \
			-chardev stdio,id=con,signal=off -serial chardev:con
		[ -n "${FERRY_LAB_TIMEOUT:-}" ] &&
			t=(timeout --foreground "$FERRY_LAB_TIMEOUT")
		"${t[@]}" "${QEMU_CMD[@]}" || true
		stty sane 2>/dev/null
	else
		# Output through the run directory, byte for byte, to stdout.
		qemu_l1 "$accel" "${FERRY_LAB_MEM:-4G}" \
			"loglevel=0" -display none -monitor none \
			-serial "file:$RUN/console.log"
		[ -n "${FERRY_LAB_TIMEOUT:-}" ] && t=(timeout "$FERRY_LAB_TIMEOUT")
		run_showing "$RUN/output.log" "${t[@]}" "${QEMU_CMD[@]}" 2>&1
	fi
	local r
	r=$(tr -cd 0-9 <"$RUN/status" 2>/dev/null || true)
	if [ -z "$r" ]; then
		say "error: L1 ended without the command's exit status; its log: $RUN/l1.log"
		exit 125
	fi
	exit "$r"
}

# shellcheck source=tests/lab/arm64.sh
. "$LAB/arm64.sh"

# Sourced by the harness's own test (tests/lab/test-lab-sh.sh): functions
# only.
[ -n "${LAB_SH_SOURCE_ONLY:-}" ] && return 0

# The command, as one block that ends in exit: bash reads a script as it
# runs it, so without the block an edit of this file during a run (runs
# take an hour) would be read, from the old offset, when the run returns.
{
cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
run) run "$@" ;;
exec) lab_exec "$@" ;;
prepare) prepare ;;
shell)
	prepare
	add_share "$REPO" ro
	add_share "$BUILD" ro
	use_l1_kernel "${FERRY_LAB_KERNEL:-debian}"
	new_run
	write_config shell 1 ""
	qemu_l1 "${FERRY_LAB_ACCEL:-tcg}" 2G "" -nographic
	"${QEMU_CMD[@]}"
	;;
*) echo "usage: lab.sh run SCENARIO... | exec [--rw DIR] [--ro PATH] [--] CMD... | prepare | shell" >&2; exit 2 ;;
esac
exit
}
