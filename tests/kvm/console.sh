#!/bin/sh
# SPDX-License-Identifier: MIT
# The console on a terminal: typed keys reach the guest's UART, Ctrl-A
# Ctrl-A sends one Ctrl-A, and Ctrl-A x stops the VM (status 12).
# script(1) gives ferry a real pty and returns ferry's exit status; a run
# that hangs is killed by timeout (status 124) and fails.
#   console.sh FERRY ECHO_GUEST
set -u
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no usable /dev/kvm"; exit 77; }
command -v script >/dev/null || { echo "SKIP: no script(1) (bsdutils)"; exit 77; }
ferry=$1 guest=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# Give the guest time to start before typing; the UART buffers the rest.
{ sleep 1; printf 'hello\001\001ferry\r'; sleep 2; } |
	timeout 30 script -qec "$ferry run --kernel $guest" /dev/null >"$tmp/out" 2>&1
status=$?
cat "$tmp/out"
echo "--- exit status $status (want 1: the echo guest passed)"
if [ "$status" = 1 ] && grep -q "got: \[hello^Aferry\]" "$tmp/out" &&
	grep -q "0 unexpected failures" "$tmp/out"; then
	echo "PASS: typed text reached the guest, Ctrl-A Ctrl-A as one ^A"
else
	echo "FAIL: expected status 1 and 'got: [hello^Aferry]'"; fail=1
fi

{ sleep 1; printf '\001x'; sleep 2; } |
	timeout 30 script -qec "$ferry run --kernel $guest --cmdline wait=1" \
		/dev/null >"$tmp/out2" 2>&1
status=$?
cat "$tmp/out2"
echo "--- exit status $status (want 12)"
if [ "$status" = 12 ] && ! grep -q "got:" "$tmp/out2"; then
	echo "PASS: Ctrl-A x stopped the VM with status 12"
else
	echo "FAIL: Ctrl-A x"; fail=1
fi
exit $fail
