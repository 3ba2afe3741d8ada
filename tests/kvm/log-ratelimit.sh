#!/bin/sh
# SPDX-License-Identifier: MIT
# Unclaimed MMIO writes are logged, rate-limited: N rapid writes (the
# exits guest's wmmio=N) give at least one "dropped" warning, naming the
# first write, at most a burst (LOG_BURST of vmm/log.h) of them and one
# suppression notice in all, at the default level. --stats proves all N
# writes reached ferry.
#   log-ratelimit.sh FERRY EXITS_GUEST LOG_H
set -u
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no usable /dev/kvm"; exit 77; }
ferry=$1 guest=$2 log_h=$3
N=1000
burst=$(sed -n 's/^#define LOG_BURST \([0-9][0-9]*\).*/\1/p' "$log_h")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
[ -n "$burst" ] || bad "no LOG_BURST in $log_h"
timeout 120 "$ferry" run --kernel "$guest" --stats \
	--cmdline "pio=0 mmio=0 wmmio=$N" </dev/null >"$tmp/out" 2>"$tmp/err"
status=$?
cat "$tmp/out" "$tmp/err"
echo "--- exit status $status (want 1)"
[ "$status" = 1 ] || bad "exit status $status, expected 1"
grep -q '^SUMMARY: 2 tests, 0 unexpected failures' "$tmp/out" ||
	bad "the guest did not pass"
grep -qx "stats: mmio-bus accesses=$N unclaimed=$N" "$tmp/err" ||
	bad "ferry did not see $N unclaimed MMIO writes"
grep '^ferry:' "$tmp/err" >"$tmp/log"
dropped=$(grep -c '^ferry: warning: mmio: dropped 4-byte write of 0x[0-9a-f]* to unclaimed address 0xd0000000$' "$tmp/log")
notices=$(grep -c '^ferry: warning: mmio: further messages of this kind suppressed' "$tmp/log")
lines=$(wc -l <"$tmp/log")
echo "$dropped dropped-write warnings, $notices suppression notices, $lines log lines (burst $burst)"
[ "$(head -1 "$tmp/log")" = "ferry: warning: mmio: dropped 4-byte write of 0x0 to unclaimed address 0xd0000000" ] ||
	bad "the first warning is not about the first write (of 0)"
[ "$dropped" -ge 1 ] && [ "$dropped" -le "${burst:-0}" ] ||
	bad "$dropped dropped-write warnings, expected 1 to $burst"
[ "$notices" -ge 1 ] || bad "no suppression notice"
[ "$lines" -le $((${burst:-0} + 1)) ] ||
	bad "$lines log lines for $N writes, expected at most $burst + 1"
[ $fail = 0 ] && echo PASS
exit $fail
