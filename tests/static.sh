#!/bin/sh
# SPDX-License-Identifier: MIT
# The musl build is one static binary: no interpreter, no shared libraries.
#   static.sh FERRY
set -eu
f=$1
if readelf -l "$f" | grep -q INTERP; then
	echo "FAIL: $f asks for a dynamic loader"
	exit 1
fi
if readelf -d "$f" 2>/dev/null | grep -q NEEDED; then
	echo "FAIL: $f needs shared libraries"
	exit 1
fi
"$f" --version
echo "PASS: static, $(stat -c %s "$f") bytes"
