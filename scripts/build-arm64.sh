#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the static aarch64 ferry (and its arm64 test guests) in DIR from
# this tree: the arm64 sysroot once (scripts/arm64-sysroot.sh, in
# FERRY_ARM64_SYSROOT, default ~/.cache/ferry-arm64-sysroot), Meson with
# cross/aarch64-linux-musl.ini, then ninja. Quiet unless the build fails.
#   build-arm64.sh DIR
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
sysroot=${FERRY_ARM64_SYSROOT:-${HOME:-/root}/.cache/ferry-arm64-sysroot}
"$top/scripts/arm64-sysroot.sh" "$sysroot"
if [ ! -f "$dir/build.ninja" ]; then
	meson setup --cross-file "$sysroot/sysroot.ini" \
		--cross-file "$top/cross/aarch64-linux-musl.ini" "$dir" "$top" >/dev/null
fi
if ! ninja -C "$dir" >"$dir/ninja.log" 2>&1; then
	cat "$dir/ninja.log" >&2
	echo "build in $dir failed" >&2
	exit 1
fi
