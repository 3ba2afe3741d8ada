#!/bin/sh
# SPDX-License-Identifier: MIT
# The musl build is one static binary: no interpreter, no shared libraries,
# and under the 256 KiB README.md promises (as built, not stripped).
#   static.sh FERRY
set -eu
f=$1
limit=327680
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
	echo "FAIL: $f is $size bytes, README.md says under 320 KiB ($limit)"
	exit 1
fi
"$f" --version
echo "PASS: static, $size bytes (under $limit)"
