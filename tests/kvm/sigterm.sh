#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGTERM stops a running guest in order: exit status 12, no leftovers.
#   sigterm.sh FERRY EXITS_GUEST
set -u
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no usable /dev/kvm"; exit 77; }
ferry=$1 guest=$2
"$ferry" run --kernel "$guest" --cpus 2 --cmdline "pio=1000000000 mmio=0" \
	</dev/null >/dev/null 2>&1 &
pid=$!
sleep 1
kill -TERM $pid
timeout 20 sh -c "while kill -0 $pid 2>/dev/null; do sleep 0.1; done"
wait $pid
status=$?
echo "exit status $status (want 12)"
[ "$status" = 12 ] && echo PASS && exit 0
echo FAIL
exit 1
