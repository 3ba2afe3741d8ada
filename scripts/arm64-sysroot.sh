#!/bin/sh
# SPDX-License-Identifier: MIT
# The sysroot of the static aarch64 build: Debian's arm64 musl (musl,
# musl-dev, musl-tools) and libfdt-dev unpacked into DIR, musl's gcc
# specs pointed at DIR, an include directory with the arm64 kernel UAPI
# and libfdt headers, and DIR/sysroot.ini, the Meson machine file that
# tells cross/aarch64-linux-musl.ini where DIR is. Needs
# gcc-aarch64-linux-gnu and linux-libc-dev-arm64-cross (./dev deps).
#   arm64-sysroot.sh DIR     (idempotent; prints nothing when done before)
set -eu
dir=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
pkgs="musl musl-dev musl-tools libfdt-dev"
[ -f "$dir/.done" ] && [ "$(cat "$dir/.done")" = "$pkgs" ] && exit 0
echo "arm64 sysroot: downloading $pkgs (arm64) into $dir" >&2
rm -rf "$dir/debs" "$dir/usr"
mkdir -p "$dir/debs"
# shellcheck disable=SC2086
(cd "$dir/debs" && "$here/apt-arm64.sh" "$dir/apt" apt-get download $pkgs >/dev/null)
for d in "$dir"/debs/*.deb; do
	dpkg-deb -x "$d" "$dir"
done
musl_lib=$dir/usr/lib/aarch64-linux-musl
musl_inc=$dir/usr/include/aarch64-linux-musl
[ -f "$musl_lib/libc.a" ] && [ -f "$dir/usr/lib/aarch64-linux-gnu/libfdt.a" ] ||
	{ echo "arm64 sysroot: musl or libfdt missing after unpacking" >&2; exit 1; }
sed -e "s|/usr/lib/aarch64-linux-musl|$musl_lib|g" \
	-e "s|/usr/include/aarch64-linux-musl|$musl_inc|g" \
	"$musl_lib/musl-gcc.specs" >"$dir/musl-gcc.specs"
# Only the kernel UAPI and libfdt: glibc's headers must not mix with musl's.
inc=$dir/include
mkdir -p "$inc"
uapi=/usr/aarch64-linux-gnu/include
for h in linux asm asm-generic; do
	[ -d "$uapi/$h" ] || { echo "arm64 sysroot: no $uapi/$h: apt-get install linux-libc-dev-arm64-cross" >&2; exit 1; }
	ln -sfn "$uapi/$h" "$inc/$h"
done
for h in libfdt.h libfdt_env.h fdt.h; do
	ln -sfn "$dir/usr/include/$h" "$inc/$h"
done
cat >"$dir/sysroot.ini" <<INI
# Written by scripts/arm64-sysroot.sh: where the arm64 sysroot is.
[constants]
sysroot = '$dir'
INI
echo "$pkgs" >"$dir/.done"
