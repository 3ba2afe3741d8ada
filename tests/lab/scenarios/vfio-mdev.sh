# SPDX-License-Identifier: MIT
# shellcheck shell=sh disable=SC2034 # LAB_FAILED is read by lib.sh's finish
# Mediated devices: Linux's mtty and mbochs samples (built by lab.sh for
# L1's kernel) passed to a Linux guest by ferry and, as the yardstick, by
# QEMU in the same L1. The guest finds mtty's two serial ports and each
# loops a write back to a read; the bochs DRM driver takes mbochs. Then
# the mdev errors on a real host (no such UUID, in use), and start-up
# time and locked memory with an mdev (mapped, not pinned) beside none
# and beside edu on vfio-pci (all guest RAM pinned), interleaved.
# lab-timeout: 480
. "$LAB_REPO/tests/lab/lib.sh"
CHECK_TIMEOUT=120
MTTY=7e1a5d3c-0a5b-4c21-9a50-6d7a2f3b1c01
MBOCHS=7e1a5d3c-0a5b-4c21-9a50-6d7a2f3b1c02
NOPE=7e1a5d3c-0a5b-4c21-9a50-6d7a2f3b1cff
load_module "$LAB_MDEV_DIR/mtty.ko" || { echo "FAIL: cannot load mtty.ko"; exit 1; }
load_module "$LAB_MDEV_DIR/mbochs.ko" || { echo "FAIL: cannot load mbochs.ko"; exit 1; }
make_mdev mtty mtty-2 $MTTY ||
	{ echo "FAIL: cannot create the mtty device"; exit 1; }
make_mdev mbochs mbochs-small $MBOCHS ||
	{ echo "FAIL: cannot create the mbochs device"; exit 1; }
echo "mtty: group $(basename "$(readlink /sys/bus/mdev/devices/$MTTY/iommu_group)")," \
	"mbochs: group $(basename "$(readlink /sys/bus/mdev/devices/$MBOCHS/iommu_group)")"

boot="--kernel $LAB_KERNEL --initrd $LAB_L2_MDEV_INITRD --memory 256M"
cmd="console=ttyS0 quiet reboot=k panic=-1 8250.nr_uarts=8"
loop='MTTY-LOOP (ttyS[0-9]+) sent=(ferry-ttyS[0-9]+) got=\2'
mtty_ok="MTTY-PORTS ttyS[0-9]+ ttyS[0-9]+"

# vcheck NAME STATUS REGEX CMD...: lib.sh's check, its output kept in
# $OUT for more checks and only the markers shown.
OUT=$(mktemp)
vcheck() {
	name=$1 want=$2 pattern=$3
	shift 3
	timeout -k 5 "$CHECK_TIMEOUT" "$@" </dev/null >"$OUT" 2>&1
	status=$?
	grep -aE "MTTY|BOCHS|ferry|FERRY|qemu|vfio" "$OUT" | sed 's/^/    | /'
	if [ "$status" != "$want" ]; then
		echo "FAIL: $name: exit status $status, expected $want"
	elif ! grep -aEq -- "$pattern" "$OUT"; then
		echo "FAIL: $name: output does not match /$pattern/"
	else
		echo "PASS: $name"
		return 0
	fi
	tail -30 "$OUT" | sed 's/^/    ! /'
	LAB_FAILED=1
	return 1
}

# mtty_check NAME STATUS CMD...: both ports found, both loops round-trip.
mtty_check() {
	name=$1 want=$2
	shift 2
	vcheck "$name" "$want" "$mtty_ok" "$@"
	n=$(grep -aEc "$loop" "$OUT")
	if [ "$n" = 2 ]; then
		echo "PASS: $name: both ports looped the write back"
	else
		echo "FAIL: $name: $n of 2 ports looped the write back"
		LAB_FAILED=1
	fi
}

mtty_check "ferry: mtty mdev, two ports loop back" 1 \
	$FERRY run $boot --device vfio,sysfsdev=/sys/bus/mdev/devices/$MTTY \
	--cmdline "$cmd lab.mtty=1 lab.exit=port"
vcheck "ferry: mbochs mdev, found by the bochs driver" 1 \
	"BOCHS-RESULT dev=[^ ]+ driver=bochs-drm drm=.*card0" \
	$FERRY run $boot --device vfio,sysfsdev=/sys/bus/mdev/devices/$MBOCHS \
	--cmdline "$cmd lab.bochs=1 lab.exit=port"
qemu="qemu-system-x86_64 -accel kvm -cpu qemu64 -M pc -m 256M -nographic
	-no-reboot -net none -kernel $LAB_KERNEL -initrd $LAB_L2_MDEV_INITRD"
mtty_check "QEMU: mtty mdev, two ports loop back" 0 \
	$qemu -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/$MTTY \
	-append "$cmd lab.mtty=1 lab.exit=reboot"
vcheck "QEMU: mbochs mdev, found by the bochs driver" 0 \
	"BOCHS-RESULT dev=[^ ]+ driver=bochs-drm drm=.*card0" \
	$qemu -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/$MBOCHS \
	-append "$cmd lab.bochs=1 lab.exit=reboot"

# Errors on the real host: each one sentence, status 10.
# The first parent by name (mbochs before mtty), its first vfio-pci type.
vcheck "no such mdev: how to create it" 10 \
	"there is no mediated device $NOPE; create it: echo $NOPE > /sys/class/mdev_bus/mbochs/mdev_supported_types/mbochs-[a-z]+/create" \
	$FERRY run $boot --device vfio,sysfsdev=/sys/bus/mdev/devices/$NOPE
$qemu -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/$MTTY \
	-S -append "$cmd" </dev/null >/dev/null 2>&1 &
qpid=$!
# Until QEMU holds the group (at most 10 s).
grp=$(basename "$(readlink /sys/bus/mdev/devices/$MTTY/iommu_group)")
holds() {
	for f in /proc/$qpid/fd/*; do
		[ "$(readlink "$f")" = "/dev/vfio/$grp" ] && return 0
	done
	return 1
}
i=0
while [ $i -lt 100 ] && ! holds; do
	sleep 0.1
	i=$((i + 1))
done
vcheck "mdev in use by QEMU: said before the VM starts" 10 \
	"mediated device $MTTY is in use by another process" \
	$FERRY run $boot --device vfio,sysfsdev=/sys/bus/mdev/devices/$MTTY \
	--cmdline "$cmd lab.exit=port"
kill $qpid
wait $qpid 2>/dev/null

# Start-up: ferry with no device, the mtty mdev, and edu on vfio-pci,
# 512 MiB of guest RAM, interleaved; wall time to the guest's exit, the
# DMA map time ferry logs, and the most locked memory (VmLck) seen.
EDU=$(pci_find 1234 11e8 1) && bind_vfio "$EDU" ||
	{ echo "FAIL: cannot bind edu to vfio-pci"; LAB_FAILED=1; }
timed() {
	tag=$1
	shift
	out=$(mktemp)
	t0=$(date +%s%N)
	timeout 120 $FERRY run -v --kernel "$LAB_KERNEL" --initrd "$LAB_L2_MDEV_INITRD" \
		--memory 512M --cmdline "$cmd lab.exit=port" "$@" </dev/null >"$out" 2>&1 &
	pid=$!
	lck=0
	while kill -0 $pid 2>/dev/null; do
		fp=$(pgrep -P $pid ferry || echo $pid)
		v=$(sed -n 's/^VmLck:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$fp/status 2>/dev/null)
		[ "${v:-0}" -gt "$lck" ] && lck=$v
		sleep 0.1
	done
	wait $pid
	st=$?
	t1=$(date +%s%N)
	map=$(sed -n 's/.*mapped [0-9]* MiB of guest RAM for DMA in \([0-9.]*\) ms.*/\1/p' "$out")
	echo "TIMING $tag status=$st wall_ms=$(((t1 - t0) / 1000000)) map_ms=${map:--} vmlck_kb=$lck"
	[ "$st" = 1 ] || { tail -5 "$out"; echo "FAIL: timing run $tag: status $st"; LAB_FAILED=1; }
	# An mdev-only container pins on demand: nothing locked at start-up;
	# edu behind the IOMMU pins all 512 MiB.
	case $tag in
	mdev) [ "$lck" = 0 ] && echo "PASS: mdev: no guest RAM pinned at start-up" ||
		{ echo "FAIL: mdev: VmLck $lck kB at start-up, want 0"; LAB_FAILED=1; } ;;
	vfio-pci) [ "$lck" -ge 524288 ] && echo "PASS: vfio-pci: all guest RAM pinned" ||
		{ echo "FAIL: vfio-pci: VmLck $lck kB, want 524288"; LAB_FAILED=1; } ;;
	esac
	rm -f "$out"
}
# One round here (each is three Linux boots); bench/lab-mdev runs more.
i=0
while [ $i -lt "${MDEV_ROUNDS:-1}" ]; do
	i=$((i + 1))
	timed none
	timed mdev --device vfio,sysfsdev=/sys/bus/mdev/devices/$MTTY
	timed vfio-pci --device vfio,host=$EDU
done

echo 1 > /sys/bus/mdev/devices/$MTTY/remove
echo 1 > /sys/bus/mdev/devices/$MBOCHS/remove
finish
