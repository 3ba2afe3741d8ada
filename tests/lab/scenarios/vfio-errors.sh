# SPDX-License-Identifier: MIT
# Every way --device can be wrong gets one sentence and exit status 10,
# and leaves nothing behind: a nonexistent device, one bound to a host
# driver, one bound to nothing, a group that is not viable, a device
# already used by another ferry.
# lab-timeout: 300
. "$LAB_REPO/tests/lab/lib.sh"
guest="$LAB_BUILD/guest/edu.elf"
EDU=$(pci_find 1234 11e8 1) || { echo "FAIL: no edu"; exit 1; }
EDU2=$(pci_find 1234 11e8 2) || { echo "FAIL: no second edu"; exit 1; }
VIRTIO=$(pci_find 1af4 1009 1) || VIRTIO=$(pci_find 1af4 1049 1) ||
	{ echo "FAIL: no virtio-9p device"; exit 1; }
NVME=$(pci_find 1b36 0010 1) || { echo "FAIL: no nvme device"; exit 1; }
echo "edu $EDU, edu behind the bridge $EDU2 (group $(group_of "$EDU2")), virtio $VIRTIO, nvme $NVME"

one_error "nonexistent device" 10 "there is no PCI device 0000:00:1f.6" \
	$FERRY run --kernel "$guest" --device vfio,host=0000:00:1f.6
one_error "device bound to a host driver" 10 "bound to host driver 'virtio-pci'" \
	$FERRY run --kernel "$guest" --device vfio,host=$VIRTIO
unbind "$NVME" || { echo "FAIL: cannot unbind $NVME"; exit 1; }
one_error "device bound to no driver" 10 "is not bound to any driver" \
	$FERRY run --kernel "$guest" --device vfio,host=$NVME

# Debian's kernels have no IOMMUFD: asking for it is one sentence too.
one_error "iommu=iommufd on a host without /dev/iommu" 10 \
	"this host has no /dev/iommu: its kernel is built without CONFIG_IOMMUFD" \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU,iommu=iommufd

bind_vfio "$EDU2" || { echo "FAIL: cannot bind $EDU2"; exit 1; }
one_error "group not viable" 10 "IOMMU group [0-9]+ is not viable: .* bound to host driver 'virtio-pci'" \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU2

bind_vfio "$EDU" || { echo "FAIL: cannot bind $EDU"; exit 1; }
first_out=$(mktemp)
$FERRY run --kernel "$LAB_BUILD/guest/exits.elf" --device vfio,host=$EDU \
	--cmdline "pio=1000000000 mmio=0" </dev/null >"$first_out" 2>&1 &
first=$!
sleep 2
one_error "device already in use" 10 "already in use" \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU
kill -TERM $first
wait $first
status=$?
[ $status = 12 ] && echo "PASS: the first ferry stopped on SIGTERM (12)" ||
	{ echo "FAIL: first ferry ended with $status"; sed 's/^/    | /' "$first_out"; LAB_FAILED=1; }
rm -f "$first_out"
# Unprivileged, with a 1 MiB locked-memory limit it may not raise.
group=$(group_of "$EDU")
chmod 666 /dev/kvm
chown 65534 "/dev/vfio/$group"
# nobody may not reach the checkout (under /root, mode 0700, say): run
# copies from a directory it can read.
pub=$(mktemp -d)
chmod 755 "$pub"
install -m 755 "$FERRY" "$pub/ferry"
install -m 644 "$guest" "$pub/guest.elf"
one_error "RLIMIT_MEMLOCK too low for guest RAM" 10 \
	"needs 256 MiB of locked memory but RLIMIT_MEMLOCK is 1 MiB" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	sh -c 'ulimit -l 1024 && exec "$0" "$@"' \
	"$pub/ferry" run --kernel "$pub/guest.elf" --device vfio,host=$EDU
# The soft limit low but the hard one high enough: ferry raises its soft
# limit itself, and runs.
check "RLIMIT_MEMLOCK raised from 1 MiB to what guest RAM needs" 1 \
	"0 unexpected failures" \
	sh -c 'ulimit -H -l 1048576 && ulimit -S -l 1024 && exec "$@"' sh \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$pub/ferry" run --kernel "$pub/guest.elf" --device vfio,host=$EDU
rm -rf "$pub"
chown 0 "/dev/vfio/$group"

# The quiesce order on SIGTERM, seen from outside: the device's bus
# mastering goes off (a config write clearing bit 2) before any DMA
# mapping is undone and before the device is closed. The guest holds with
# bus mastering on. VFIO's config region is region 7: offset 7 << 40.
trace=$(mktemp)
strace -f -qq -o "$trace" -e trace=pwrite64,ioctl,close \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU \
	--cmdline "hold=1" </dev/null >/dev/null 2>&1 &
sleep 8
pkill -TERM -x ferry
wait $!
status=$?
master=$(grep -n 'pwrite64(.*, 2, 7696581394436)' "$trace" | tail -n1 | cut -d: -f1)
unmap=$(grep -n 'VFIO_IOMMU_UNMAP_DMA\|0x3b72' "$trace" | head -n1 | cut -d: -f1)
echo "    | strace: status $status, bus-master write at line ${master:-none}, first unmap at line ${unmap:-none}"
if [ "$status" = 12 ] && [ -n "$master" ] && [ -n "$unmap" ] && [ "$master" -lt "$unmap" ]; then
	echo "PASS: on SIGTERM bus mastering went off before the DMA unmap (status 12)"
else
	grep -E 'pwrite64|UNMAP|0x3b72' "$trace" | tail -20 | sed 's/^/    | /'
	echo "FAIL: SIGTERM teardown order"; LAB_FAILED=1
fi
cmd=$(od -An -tx2 -j4 -N2 "/sys/bus/pci/devices/$EDU/config" | tr -d ' ')
if [ $((0x$cmd & 4)) = 0 ]; then
	echo "PASS: the device's command register has bus mastering off afterwards (0x$cmd)"
else
	echo "FAIL: command register 0x$cmd after the SIGTERM"; LAB_FAILED=1
fi
rm -f "$trace"

check "device works again after the others let go" 1 "0 unexpected failures" \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU
finish
