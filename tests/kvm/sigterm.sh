#!/bin/sh
# SPDX-License-Identifier: MIT
# A signal stops a running guest in order: exit status 12, no leftovers.
#   sigterm.sh FERRY EXITS_GUEST [SIGNAL]   (default TERM; INT and HUP too)
set -u
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no usable /dev/kvm"; exit 77; }
ferry=$1 guest=$2 sig=${3:-TERM}
# A background job of this shell starts with SIGINT ignored; ferry blocks
# it for its signalfd, and Linux queues a blocked signal even so.
"$ferry" run --kernel "$guest" --cpus 2 \
	--cmdline "pio=1000000000 mmio=0" </dev/null >/dev/null 2>&1 &
pid=$!
sleep 1
kill -"$sig" $pid
timeout 20 sh -c "while kill -0 $pid 2>/dev/null; do sleep 0.1; done"
if kill -0 $pid 2>/dev/null; then
	echo "FAIL: ferry still runs 20 s after SIG$sig"
	kill -KILL $pid
	wait $pid
	exit 1
fi
wait $pid
status=$?
echo "SIG$sig: exit status $status (want 12)"
[ "$status" = 12 ] && echo PASS && exit 0
echo FAIL
exit 1
