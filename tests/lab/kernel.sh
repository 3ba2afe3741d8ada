#!/bin/bash
# SPDX-License-Identifier: MIT
# The lab's own L1 kernels, built from Debian's linux-source package.
# No Debian kernel enables IOMMUFD or the VFIO device cdev, so scenarios
# that need them ("# lab-kernel: iommufd") boot a kernel built here from
# sid's linux-source-7.2 with tests/lab/kernel/NAME.config merged over
# tinyconfig. Built once and cached under $CACHE/kernel-NAME-HASH, HASH
# being of the fragment, the source version and RECIPE below; the source
# package is downloaded once (a private apt configuration adding sid:
# the system's sources are left alone) and its version kept with it.
#
#   kernel.sh build NAME     build (or reuse) it; print its directory
#   kernel.sh headers NAME   the same, then print its UAPI include dir
#
# Sourced by lab.sh (LAB_KERNEL_SOURCE_ONLY=1): lab_kernel NAME sets
# LK_DIR (bzImage, root/ with the modules, headers/, config) and LK_VER.
# Environment: FERRY_LAB_CACHE, FERRY_LAB_JOBS (make -j, default 2).
set -euo pipefail

# The source package: 7.2, whose UAPI ferry vendors (vfio/uapi). Once sid
# has dropped it, lk_fetch_source takes sid's newest linux-source-N.M
# after it (its UAPI only adds), and says so.
LK_SRC_PKG=${FERRY_LAB_KERNEL_SOURCE:-linux-source-7.2}
# Bump when the way a kernel is built changes (not its configuration).
LK_RECIPE=1

lk_say() { printf 'lab: %s\n' "$*" >&2; }
lk_die() { lk_say "error: $*"; exit 125; }

# The private apt configuration: sid's main archive, lists of our own.
lk_apt() {
	local dir=$LK_CACHE/apt-sid
	mkdir -p "$dir/lists/partial"
	[ -f "$dir/sources.list" ] ||
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main" \
			>"$dir/sources.list"
	LK_APT=(-o "Dir::Etc::SourceList=$dir/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$dir/lists"
		-o Debug::NoLocking=1)
}

# lk_candidate PKG: sid's version of PKG, or nothing.
lk_candidate() {
	apt-cache "${LK_APT[@]}" policy "$1" 2>/dev/null |
		sed -n 's/^ *Candidate: *//p' | grep -vx '(none)' || true
}

# The source tarball, downloaded once: sets LK_SRC_VER, LK_TARBALL and
# (when sid has moved on) LK_SRC_PKG.
lk_fetch_source() {
	local dir=$LK_CACHE/$LK_SRC_PKG v tmp newer
	if [ -f "$dir/version" ] && [ -f "$dir/$LK_SRC_PKG.tar.xz" ]; then
		LK_SRC_VER=$(cat "$dir/version")
		LK_TARBALL=$dir/$LK_SRC_PKG.tar.xz
		return 0
	fi
	lk_apt
	lk_say "resolving $LK_SRC_PKG in sid (private apt lists under $LK_CACHE/apt-sid)"
	apt-get "${LK_APT[@]}" update -qq 2>&1 | grep -v 'unsandboxed' >&2 || true
	v=$(lk_candidate "$LK_SRC_PKG")
	if [ -z "$v" ]; then
		newer=$(apt-cache "${LK_APT[@]}" search --names-only '^linux-source-[0-9]+\.[0-9]+$' |
			cut -d' ' -f1 | sort -V | tail -1)
		if [ -n "$newer" ] && [ "$(printf '%s\n' "$LK_SRC_PKG" "$newer" | sort -V | tail -1)" = "$newer" ]; then
			lk_say "sid no longer has $LK_SRC_PKG: building from $newer instead"
			LK_SRC_PKG=$newer
			dir=$LK_CACHE/$LK_SRC_PKG
			v=$(lk_candidate "$LK_SRC_PKG")
			if [ -n "$v" ] && [ "$(cat "$dir/version" 2>/dev/null)" = "$v" ] &&
				[ -f "$dir/$LK_SRC_PKG.tar.xz" ]; then
				LK_SRC_VER=$v
				LK_TARBALL=$dir/$LK_SRC_PKG.tar.xz
				return 0
			fi
		fi
	fi
	[ -n "$v" ] || lk_die "sid has no $LK_SRC_PKG, nor a newer linux-source"
	lk_say "downloading $LK_SRC_PKG $v"
	rm -rf "$dir"
	mkdir -p "$dir"
	tmp=$(mktemp -d "$LK_CACHE/dl-XXXX")
	(cd "$tmp" && apt-get "${LK_APT[@]}" download -q "$LK_SRC_PKG=$v" 2>&1 |
		grep -v 'unsandboxed' >&2 || true)
	ls "$tmp"/*.deb >/dev/null 2>&1 || lk_die "download of $LK_SRC_PKG $v failed"
	dpkg-deb --fsys-tarfile "$tmp"/*.deb |
		tar -xO --wildcards "*/$LK_SRC_PKG.tar.xz" >"$dir/$LK_SRC_PKG.tar.xz"
	rm -rf "$tmp"
	echo "$v" >"$dir/version"
	LK_SRC_VER=$v
	LK_TARBALL=$dir/$LK_SRC_PKG.tar.xz
}

# Every =y/=m of the fragment must have survived olddefconfig, every
# "is not set" must be off: a dependency we missed fails here, not in L1.
lk_check_config() {
	local frag=$1 config=$2 l c bad=0
	while read -r l; do
		grep -qx "$l" "$config" || { lk_say "config: $l did not survive olddefconfig"; bad=1; }
	done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=[ym]$' "$frag")
	while read -r _ c _; do
		grep -q "^$c=" "$config" && { lk_say "config: $c should be off"; bad=1; }
	done < <(grep -E '^# CONFIG_[A-Za-z0-9_]+ is not set' "$frag")
	return $bad
}

# CPU time, in clock ticks, of this shell's waited-for children so far
# (cutime + cstime of /proc/PID/stat; the fields after the command name).
lk_child_ticks() {
	local rest
	rest=$(sed 's/^.*) //' "/proc/$$/stat")
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $rest
	echo $((${14} + ${15}))
}

# lab_kernel NAME: build (or reuse) the kernel of kernel/NAME.config.
lab_kernel() {
	local name=$1 frag hash dir src jobs=${FERRY_LAB_JOBS:-2} t0 t1 c0 c1
	frag=$LK_HERE/kernel/$name.config
	[ -f "$frag" ] || lk_die "no kernel configuration tests/lab/kernel/$name.config"
	LK_CACHE=${CACHE:-${FERRY_LAB_CACHE:-${HOME:-/root}/.cache/ferry-lab}}
	mkdir -p "$LK_CACHE"
	lk_fetch_source
	hash=$( (cat "$frag"; echo "$LK_SRC_PKG $LK_SRC_VER recipe $LK_RECIPE") |
		sha1sum | cut -c1-12)
	dir=$LK_CACHE/kernel-$name-$hash
	LK_DIR=$dir
	if [ -f "$dir/.done" ]; then
		LK_VER=$(cat "$dir/kernelrelease")
		return 0
	fi
	for p in flex bison bc libelf-dev libssl-dev; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			LK_MISSING="${LK_MISSING:-} $p"
	done
	if [ -n "${LK_MISSING:-}" ]; then
		[ "$(id -u)" = 0 ] || lk_die "install as root: apt-get install$LK_MISSING"
		lk_say "installing$LK_MISSING"
		apt-get update -qq
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $LK_MISSING >/dev/null
	fi
	lk_say "building the $name L1 kernel from $LK_SRC_PKG $LK_SRC_VER (make -j$jobs; about 15 minutes on 2 cores)"
	t0=$(date +%s)
	c0=$(lk_child_ticks)
	rm -rf "$dir"
	mkdir -p "$dir"
	src=$dir/src
	mkdir -p "$src"
	tar -xJf "$LK_TARBALL" -C "$src" --strip-components=1
	(
		cd "$src"
		make -s tinyconfig >/dev/null
		scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
		make -s olddefconfig
		lk_check_config "$frag" .config
		make -s -j"$jobs" bzImage modules
		make -s modules_install INSTALL_MOD_PATH="$dir/root" INSTALL_MOD_STRIP=1 DEPMOD=/sbin/depmod
		make -s headers
	) >"$dir/build.log" 2>&1 || { tail -30 "$dir/build.log" >&2; lk_die "the $name kernel did not build (log: $dir/build.log)"; }
	cp "$src/arch/x86/boot/bzImage" "$dir/bzImage"
	cp "$src/.config" "$dir/config"
	make -s -C "$src" kernelrelease >"$dir/kernelrelease"
	mkdir -p "$dir/headers"
	cp -a "$src/usr/include" "$dir/headers/"
	rm -rf "$src"
	t1=$(date +%s)
	c1=$(lk_child_ticks)
	echo "$((t1 - t0))" >"$dir/build-seconds"
	# CPU time (user + system of every process of the build): what the
	# build costs whatever else shares the cores, unlike the wall time.
	echo "$(((c1 - c0) / $(getconf CLK_TCK)))" >"$dir/build-cpu-seconds"
	touch "$dir/.done"
	LK_VER=$(cat "$dir/kernelrelease")
	lk_say "built $name kernel $LK_VER in $((t1 - t0)) s ($(cat "$dir/build-cpu-seconds") CPU-s): $dir"
}

LK_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -n "${LAB_KERNEL_SOURCE_ONLY:-}" ] && return 0

case ${1:-} in
build) lab_kernel "${2:?name a kernel, e.g. iommufd}"; echo "$LK_DIR" ;;
headers) lab_kernel "${2:?name a kernel, e.g. iommufd}"; echo "$LK_DIR/headers/include" ;;
*) echo "usage: kernel.sh build|headers NAME" >&2; exit 2 ;;
esac
