#!/bin/sh
# SPDX-License-Identifier: MIT
# The kernel cache, on by default (tests/kvm/meson.build):
#   kernel-cache.sh PYTHON MKBZIMAGE ELF FERRY
# Boots one bzImage three times under an empty XDG_CACHE_HOME: the first
# decompresses and stores it, the others map it; --no-kernel-cache
# decompresses again and stores nothing new. Prints what it saw; the
# caller checks the lines.
set -eu
python=$1 mk=$2 elf=$3 ferry=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$python" "$mk" "$elf" "$tmp/k"
export XDG_CACHE_HOME="$tmp/c"
boot() { "$ferry" run -vv "$@" --kernel "$tmp/k" --dump-dtb /dev/null 2>&1; }
images() { ls "$tmp/c/ferry/kernels" | grep -c '^[0-9a-f]\{64\}\.vmlinux$' || true; }
for i in 1 2 3; do
	if boot | grep -q '560 bytes decompressed (cached)'; then
		echo "boot $i: cached, images=$(images)"
	else
		echo "boot $i: decompressed, images=$(images)"
	fi
done
if boot --no-kernel-cache | grep -q '(cached)'; then
	echo "--no-kernel-cache: cached"
else
	echo "--no-kernel-cache: decompressed, images=$(images)"
fi
mode=$(stat -c %a "$tmp/c/ferry/kernels")
echo "directory mode $mode"
