#!/bin/sh
# SPDX-License-Identifier: MIT
# ferry run --dump-dtb writes a tree that dtc decompiles without a warning.
#   dtb.sh FERRY [ferry options...]
set -eu
ferry=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ferry" run --dump-dtb "$tmp/t.dtb" "$@"
dtc -I dtb -O dts -o "$tmp/t.dts" "$tmp/t.dtb" 2>"$tmp/err"
cat "$tmp/t.dts"
if [ -s "$tmp/err" ]; then
	echo "FAIL: dtc warned:"
	cat "$tmp/err"
	exit 1
fi
for node in 'memory@0 {' 'cpus {' 'serial@i3f8 {' 'debug-exit@if4 {' 'chosen {'; do
	grep -q "$node" "$tmp/t.dts" || { echo "FAIL: no $node"; exit 1; }
done
echo PASS
