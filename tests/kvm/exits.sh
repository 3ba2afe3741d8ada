#!/bin/sh
# SPDX-License-Identifier: MIT
# ferry --stats counts exactly the exits the exits guest makes.
#   exits.sh FERRY EXITS_GUEST
# The guest (guest/exits.c) makes PIO=2000 UART scratch writes, MMIO=2000
# unclaimed reads and WMMIO=300 unclaimed writes. Besides those, its port
# I/O is: one scratch write and one read (the round trip), one LSR read
# and one THR write per console byte (LSR always shows THRE, so the
# library's polling loop reads it once), and the debug-exit write. It
# makes no other MMIO exit: the LAPIC is in the kernel, the device tree is
# RAM. So, with C the bytes on ferry's stdout:
#   vcpu0 pio = PIO + 2 + 2*C + 1     mmio = MMIO + WMMIO
#   exits = pio + mmio                pio bus: that many, none unclaimed
#   mmio bus: MMIO + WMMIO accesses, all unclaimed; no pause
set -u
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no usable /dev/kvm"; exit 77; }
ferry=$1 guest=$2
PIO=2000 MMIO=2000 WMMIO=300
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout 120 "$ferry" run --kernel "$guest" --stats \
	--cmdline "pio=$PIO mmio=$MMIO wmmio=$WMMIO" \
	</dev/null >"$tmp/out" 2>"$tmp/err"
status=$?
cat "$tmp/out" "$tmp/err"
echo "--- exit status $status (want 1)"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
[ "$status" = 1 ] || bad "exit status $status, expected 1"
grep -q '^SUMMARY: 2 tests, 0 unexpected failures' "$tmp/out" ||
	bad "the guest did not pass"

# line PREFIX KEY: KEY=N on the stats line starting with PREFIX.
line() {
	sed -n "s/^stats: $1 .*$2=\([0-9]*\).*/\1/p" "$tmp/err"
}
expect() { # what got want
	if [ "$2" = "$3" ]; then
		echo "ok: $1 = $2"
	else
		bad "$1 = ${2:-(missing)}, expected $3"
	fi
}
c=$(wc -c <"$tmp/out")
pio=$((PIO + 2 + 2 * c + 1))
mmio=$((MMIO + WMMIO))
echo "console bytes: $c"
expect "vcpu0 pio exits" "$(line vcpu0 pio)" $pio
expect "vcpu0 mmio exits" "$(line vcpu0 mmio)" $mmio
expect "vcpu0 exits" "$(line vcpu0 exits)" $((pio + mmio))
expect "pio-bus accesses" "$(line pio-bus accesses)" $pio
expect "pio-bus unclaimed" "$(line pio-bus unclaimed)" 0
expect "mmio-bus accesses" "$(line mmio-bus accesses)" $mmio
expect "mmio-bus unclaimed" "$(line mmio-bus unclaimed)" $mmio
expect "vm pauses" "$(line vm pauses)" 0
expect "open fds at the end" "$(line open-fds end)" "$(line open-fds start)"
[ $fail = 0 ] && echo PASS
exit $fail
