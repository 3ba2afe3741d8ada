#!/bin/sh
# SPDX-License-Identifier: MIT
# The console on a terminal: typed keys reach the guest's UART, and
# Ctrl-A x stops the VM (status 12). script(1) gives ferry a real pty.
#   console.sh FERRY ECHO_GUEST
set -u
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no usable /dev/kvm"; exit 77; }
command -v script >/dev/null || { echo "SKIP: no script(1) (bsdutils)"; exit 77; }
ferry=$1 guest=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# Give the guest time to start before typing; the UART buffers the rest.
{ sleep 1; printf 'hello ferry\r'; sleep 2; } |
	timeout 30 script -qec "$ferry run --kernel $guest" /dev/null >"$tmp/out" 2>&1
cat "$tmp/out"
if grep -q "got: \[hello ferry\]" "$tmp/out" && grep -q "0 unexpected failures" "$tmp/out"; then
	echo "PASS: typed text reached the guest"
else
	echo "FAIL: typed text did not reach the guest"; fail=1
fi

{ sleep 1; printf '\001x'; sleep 2; } |
	timeout 30 script -qec "$ferry run --kernel $guest --cmdline wait=1; echo status=\$?" \
		/dev/null >"$tmp/out2" 2>&1
cat "$tmp/out2"
if grep -q "status=12" "$tmp/out2"; then
	echo "PASS: Ctrl-A x stopped the VM with status 12"
else
	echo "FAIL: Ctrl-A x"; fail=1
fi
exit $fail
