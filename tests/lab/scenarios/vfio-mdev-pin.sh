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
# pindma's counters add up over the scenario, and a boot that faulted may
# have counted: no retry of a single check here (lib.sh); the scenario's
# own re-run (l1-init.sh) starts from a new mdev (make_mdev).
LAB_CHECK_RETRIES=0
PIN=7e1a5d3c-0a5b-4c21-9a50-6d7a2f3b1c03
load_module "$LAB_MDEV_DIR/pindma.ko" || { echo "FAIL: cannot load pindma.ko"; exit 1; }
make_mdev pindma pindma-1 $PIN ||
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
	vmlck_watch $pid "$out" 512 1000 "$3"
	wait $pid
	st=$?
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
	vmlck_report "$1: " "$out" 512 "$3"
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
