# SPDX-License-Identifier: MIT
# shellcheck shell=sh disable=SC2034 # LAB_FAILED is read by lib.sh's finish
# The lab's pinning mdev (tests/lab/mdev-pin/pindma.c, built by lab.sh):
# a Linux guest of ferry makes it copy 64 pages through VFIO (pages pinned
# on demand in a container without an IOMMU domain); then it starts a
# transfer that holds its pages and ferry ends, by the guest's exit and by
# SIGTERM: the transfer is stopped, every page unpinned (the module's
# pinned_now back to 0), exit statuses 1 and 12, no kernel warning. While
# the transfer holds its pages, ferry's VmLck counts them (its own
# --stats at the VM's end; from outside while the guest waits).
# lab-timeout: 300
. "$LAB_REPO/tests/lab/lib.sh"
PIN=7e1a5d3c-0a5b-4c21-9a50-6d7a2f3b1c03
insmod "$LAB_MDEV_DIR/pindma.ko" || { echo "FAIL: cannot load pindma.ko"; exit 1; }
echo $PIN > /sys/class/mdev_bus/pindma/mdev_supported_types/pindma-1/create ||
	{ echo "FAIL: cannot create the pindma device"; exit 1; }
ctr=/sys/bus/mdev/devices/$PIN/pindma
counters() {
	echo "notifications=$(cat $ctr/notifications) hits=$(cat $ctr/hits)" \
		"pinned_now=$(cat $ctr/pinned_now) aborted=$(cat $ctr/aborted)" \
		"completed=$(cat $ctr/completed)"
}
want() {
	got=$(counters)
	if [ "$got" = "$1" ]; then
		echo "PASS: $2 ($got)"
	else
		echo "FAIL: $2: $got, expected $1"
		LAB_FAILED=1
	fi
}
args="--kernel $LAB_KERNEL --initrd $LAB_L2_MDEV_INITRD --memory 256M
	--device vfio,sysfsdev=/sys/bus/mdev/devices/$PIN"
cmd='console=ttyS0 quiet reboot=k panic=-1 memmap=2M$128M'
dmesg -C 2>/dev/null

check "copy 64 pages through the pinning mdev" 1 \
	"PINDMA-COPY status=0x00000002 error=0x00000000 src=([0-9a-f]+) dst=\\1" \
	$FERRY run $args --cmdline "$cmd lab.pindma=copy lab.exit=port"
want "notifications=0 hits=0 pinned_now=0 aborted=0 completed=1" \
	"the copy completed and unpinned its pages"

# inflight TAG STATUS HOW: start a held transfer, end ferry by HOW (the
# guest's exit, or SIGTERM once the guest says the transfer holds its
# pages and ferry's VmLck shows them); check the status and ferry's VmLck
# while the pages are held: its own --stats line (printed once the vCPUs
# have stopped, before the teardown unmaps anything) in both cases, the
# outside view where the guest waits to be stopped (term). When the guest
# exits by itself the outside view has only its 3 s linger, and one
# sampler iteration took 0.8 to 15 s in L1 when each forked five
# processes (0 kB seen once): said there, with its sample count.
inflight() {
	out=$(mktemp)
	exit_how=port
	[ "$3" = term ] && exit_how="wait"
	timeout 120 $FERRY run --stats $args \
		--cmdline "$cmd lab.pindma=inflight lab.exit=$exit_how" \
		</dev/null >"$out" 2>&1 &
	pid=$!
	lck=0 i=0 sent="" seen="" after=0 fp=""
	t0=$(date +%s%N)
	while kill -0 $pid 2>/dev/null && [ $i -lt 1000 ]; do
		# Few forks an iteration (each costs L1 much time): ferry's pid
		# once, its status read by the shell itself.
		[ -z "$fp" ] && fp=$(pgrep -P $pid ferry)
		[ -z "$seen" ] && grep -q PINDMA-INFLIGHT "$out" && seen=$i
		v=0
		[ -n "$fp" ] && { while read -r k n _; do
			[ "$k" = VmLck: ] && v=$n
		done <"/proc/$fp/status"; } 2>/dev/null
		[ "$v" -gt "$lck" ] && lck=$v
		[ -n "$seen" ] && after=$((after + 1))
		if [ "$3" = term ] && [ -z "$sent" ] && [ -n "$seen" ] &&
			{ [ "$lck" -ge 512 ] || [ $((i - seen)) -ge 300 ]; }; then
			kill -TERM "${fp:-$pid}"
			sent=1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	wait $pid
	st=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	grep -aE "PINDMA|ferry|stats: Vm(Lck|Pin)" "$out" | sed 's/^/    | /'
	if [ "$st" = "$2" ] && grep -q "PINDMA-INFLIGHT status=0x00000001 pinned=128" "$out"; then
		echo "PASS: $1: a transfer held its 128 pages; ferry ended with $st"
	else
		echo "FAIL: $1: status $st (want $2), or no transfer holding 128 pages"
		tail -20 "$out" | sed 's/^/    ! /'
		LAB_FAILED=1
	fi
	# 2 x 64 pages held = 512 KiB, charged to ferry's locked memory by
	# type1 inside vfio_pin_pages(), before pindma counts them pinned.
	own=$(sed -n 's/^stats: VmLck:[[:space:]]*\([0-9]*\) kB.*/\1/p' "$out")
	if [ "${own:-0}" -ge 512 ]; then
		echo "PASS: $1: ferry's VmLck at the VM's end, before the teardown, counted the held pages ($own kB)"
	else
		echo "FAIL: $1: ferry's VmLck at the VM's end was ${own:-no} kB (want >= 512)"
		LAB_FAILED=1
	fi
	samples="$i samples in $ms ms, $after after the guest said the transfer runs"
	if [ "$lck" -ge 512 ]; then
		echo "PASS: $1: ferry's VmLck seen from outside counted the held pages ($lck kB; $samples)"
	elif [ "$3" = term ]; then
		echo "FAIL: $1: ferry's VmLck seen from outside reached only $lck kB ($samples)"
		LAB_FAILED=1
	else
		echo "note: $1: ferry's VmLck seen from outside: at most $lck kB ($samples)"
	fi
	rm -f "$out"
}
inflight "guest exits with a transfer holding pages" 1 port
want "notifications=0 hits=0 pinned_now=0 aborted=1 completed=1" \
	"teardown stopped the transfer and unpinned everything"
inflight "SIGTERM with a transfer holding pages" 12 term
want "notifications=0 hits=0 pinned_now=0 aborted=2 completed=1" \
	"SIGTERM's teardown stopped it and unpinned everything"
if dmesg | grep -E "WARNING|BUG|vfio.*(unpin|pfn)" | grep -v "^$"; then
	echo "FAIL: the kernel complained (above)"
	LAB_FAILED=1
else
	echo "PASS: no kernel warning"
fi
echo 1 > /sys/bus/mdev/devices/$PIN/remove
rmmod pindma || { echo "FAIL: pindma cannot be unloaded"; LAB_FAILED=1; }
finish
