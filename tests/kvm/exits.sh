#!/bin/sh
# SPDX-License-Identifier: MIT
# ferry --stats counts exactly the exits the exits guest makes.
#   exits.sh FERRY EXITS_GUEST [arm64]
# The guest (guest/exits.c) makes PIO=2000 UART scratch writes, MMIO=2000
# unclaimed reads, WMMIO=300 unclaimed writes and PIT=50 reads of port
# 0x40: a test guest gets no PIT, so they are unclaimed port exits, all
# ones (the guest checks). Besides those, its UART
# I/O is: one scratch write and one read (the round trip), one LSR read
# and one THR write per console byte (LSR always shows THRE, so the
# library's polling loop reads it once), and the debug-exit write. It
# makes no other exit: the LAPIC (the GIC) is in the kernel, the device
# tree is RAM. So, with C the bytes on ferry's stdout:
#   vcpu0 pio = PIO + 2 + PIT + 2*C + 1     mmio = MMIO + WMMIO
#   exits = pio + mmio (reasons: io, mmio)  pio bus: that many, PIT unclaimed
#   mmio bus: MMIO + WMMIO accesses, all unclaimed; no pause
#   census: port 0x3ff PIO + 2, port 0x40 PIT (unclaimed), 0x3f8 and 0x3fd
#   C each, 0xf4 one; MMIO page 0xd0000000 MMIO + WMMIO (unclaimed)
# arm64 (the arm64 lab runs it): the UART and the debug-exit device are
# MMIO and there is no PIT (the guest makes no PIT reads), so every exit
# is an MMIO exit:
#   vcpu0 pio = 0    mmio = PIO + 2 + 2*C + 1 + MMIO + WMMIO    (reasons: mmio)
#   census: MMIO pages 0x1000000 (serial) PIO + 2 + 2*C, 0x1020000
#   (debug-exit) one, 0x20000000 (unclaimed) MMIO + WMMIO
set -u
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP: no usable /dev/kvm"
	exit 77
fi
ferry=$1 guest=$2 arch=${3:-x86}
PIO=2000 MMIO=2000 WMMIO=300 PIT=50
[ "$arch" = arm64 ] && PIT=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout 120 "$ferry" run --kernel "$guest" --stats \
	--cmdline "pio=$PIO mmio=$MMIO wmmio=$WMMIO pit=$PIT" \
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
echo "console bytes: $c"
# census KEY: the exits=N of the --stats census line starting with KEY.
census() {
	sed -n "s/^stats: $1 exits=\([0-9]*\)$/\1/p" "$tmp/err"
}
if [ "$arch" = arm64 ]; then
	uart=$((PIO + 2 + 2 * c))
	pio=0
	mmio=$((uart + 1 + MMIO + WMMIO))
	reasons="mmio=$mmio"
	unclaimed_page=0x20000000
else
	pio=$((PIO + 2 + PIT + 2 * c + 1))
	mmio=$((MMIO + WMMIO))
	reasons="io=$pio mmio=$mmio"
	unclaimed_page=0xd0000000
fi
expect "vcpu0 pio exits" "$(line vcpu0 pio)" $pio
expect "vcpu0 mmio exits" "$(line vcpu0 mmio)" $mmio
expect "vcpu0 exits" "$(line vcpu0 exits)" $((pio + mmio))
expect "pio-bus accesses" "$(line pio-bus accesses)" $pio
expect "pio-bus unclaimed" "$(line pio-bus unclaimed)" $PIT
expect "mmio-bus accesses" "$(line mmio-bus accesses)" $mmio
expect "mmio-bus unclaimed" "$(line mmio-bus unclaimed)" $((MMIO + WMMIO))
expect "vm pauses" "$(line vm pauses)" 0
expect "vcpu0 reasons" "$(sed -n 's/^stats: reasons vcpu0 //p' "$tmp/err")" \
	"$reasons"
if [ "$arch" = arm64 ]; then
	expect "census UART page" "$(census 'mmio-page 0x1000000 serial')" "$uart"
	expect "census debug-exit page" \
		"$(census 'mmio-page 0x1020000 debug-exit')" 1
else
	expect "census port 0x3ff" "$(census 'pio-port 0x03ff serial')" $((PIO + 2))
	expect "census port 0x40 (no PIT)" "$(census 'pio-port 0x0040 (unclaimed)')" $PIT
	expect "census port 0x3f8" "$(census 'pio-port 0x03f8 serial')" "$c"
	expect "census port 0x3fd" "$(census 'pio-port 0x03fd serial')" "$c"
	expect "census port 0xf4" "$(census 'pio-port 0x00f4 debug-exit')" 1
fi
expect "census MMIO page" \
	"$(census "mmio-page $unclaimed_page (unclaimed)")" $((MMIO + WMMIO))
expect "open fds at the end" "$(line open-fds end)" "$(line open-fds start)"
[ $fail = 0 ] && echo PASS
exit $fail
