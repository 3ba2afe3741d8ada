#!/bin/sh
# SPDX-License-Identifier: MIT
# A signal stops a running guest in order: exit status 12, no leftovers,
# and (-v) one line a vCPU saying where it was when it stopped.
#   sigterm.sh FERRY EXITS_GUEST [SIGNAL]   (default TERM; INT and HUP too)
set -u
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no usable /dev/kvm"; exit 77; }
ferry=$1 guest=$2 sig=${3:-TERM}
# A background job of this shell starts with SIGINT ignored; ferry blocks
# it for its signalfd, and Linux queues a blocked signal even so.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$ferry" run -v --kernel "$guest" --cpus 2 \
	--cmdline "pio=1000000000 mmio=0" </dev/null >/dev/null 2>"$log" &
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
grep "when stopped" "$log"
# vCPU 0 runs the guest's exit loop; vCPU 1 waits (halted or not started).
where='(rip|pc)=0x[0-9a-f]+'
ok=1
[ "$status" = 12 ] || ok=0
grep -Eq "^ferry: info: vCPU 0 when stopped: running, $where" "$log" ||
	{ echo "FAIL: no line saying where vCPU 0 was"; ok=0; }
grep -Eq "^ferry: info: vCPU 1 when stopped: [a-z].*, $where" "$log" ||
	{ echo "FAIL: no line saying where vCPU 1 was"; ok=0; }
[ $ok = 1 ] && echo PASS && exit 0
cat "$log"
echo FAIL
exit 1
