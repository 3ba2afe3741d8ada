#!/bin/sh
# SPDX-License-Identifier: MIT
# The musl build is one static binary: no interpreter, no shared libraries,
# and under the size README.md promises (as built, not stripped): 512 KiB
# for x86_64, 384 KiB for aarch64 (its code is larger: fixed 4-byte
# instructions, and the arm64 board's device tree and GIC code).
#   static.sh FERRY [LIMIT-BYTES]
set -eu
f=$1
limit=${2:-524288}
if readelf -l "$f" | grep -q INTERP; then
	echo "FAIL: $f asks for a dynamic loader"
	exit 1
fi
if readelf -d "$f" 2>/dev/null | grep -q NEEDED; then
	echo "FAIL: $f needs shared libraries"
	exit 1
fi
size=$(stat -c %s "$f")
if [ "$size" -ge $limit ]; then
	echo "FAIL: $f is $size bytes, README.md says under $((limit / 1024)) KiB"
	exit 1
fi
"$f" --version
echo "PASS: static, $size bytes (under $limit)"
