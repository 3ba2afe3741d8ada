# SPDX-License-Identifier: MIT
# Every way --device can be wrong on the iommufd backend gets one sentence
# and exit status 10 and leaves nothing behind: the device errors of
# vfio-errors.sh, a group that is not viable, a device already bound by
# another ferry (on either backend), no cdev, RLIMIT_MEMLOCK too low, and
# iommufd's per-user accounting; then the SIGTERM quiesce order under
# strace (bus mastering off before the first IOMMU_IOAS_UNMAP).
# lab-kernel: iommufd
# lab-timeout: 400
. "$LAB_REPO/tests/lab/lib.sh"
guest="$LAB_BUILD/guest/edu.elf"
EDU=$(pci_find 1234 11e8 1) || { echo "FAIL: no edu"; exit 1; }
EDU2=$(pci_find 1234 11e8 2) || { echo "FAIL: no second edu"; exit 1; }
VIRTIO=$(pci_find 1af4 1009 1) || VIRTIO=$(pci_find 1af4 1049 1) ||
	{ echo "FAIL: no virtio-9p device"; exit 1; }
NVME=$(pci_find 1b36 0010 1) || { echo "FAIL: no nvme device"; exit 1; }
echo "edu $EDU, edu behind the bridge $EDU2, virtio $VIRTIO, nvme $NVME"
[ -c /dev/iommu ] && echo "PASS: L1 has /dev/iommu" ||
	{ echo "FAIL: no /dev/iommu in L1"; LAB_FAILED=1; }

IOMMUFD=iommu=iommufd

one_error "nonexistent device" 10 "there is no PCI device 0000:00:1f.6" \
	$FERRY run --kernel "$guest" --device vfio,host=0000:00:1f.6,$IOMMUFD
one_error "device bound to a host driver" 10 "bound to host driver 'virtio-pci'" \
	$FERRY run --kernel "$guest" --device vfio,host=$VIRTIO,$IOMMUFD
unbind "$NVME" || { echo "FAIL: cannot unbind $NVME"; exit 1; }
one_error "device bound to no driver" 10 "is not bound to any driver" \
	$FERRY run --kernel "$guest" --device vfio,host=$NVME,$IOMMUFD

bind_vfio "$EDU2" || { echo "FAIL: cannot bind $EDU2"; exit 1; }
one_error "group not viable" 10 "IOMMU group [0-9]+ of $EDU2 is not viable: .* bound to host driver 'virtio-pci'" \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU2,$IOMMUFD

bind_vfio "$EDU" || { echo "FAIL: cannot bind $EDU"; exit 1; }
# No cdev: a tmpfs over the device's vfio-dev directory hides it.
mount -t tmpfs none "/sys/bus/pci/devices/$EDU/vfio-dev"
one_error "no VFIO device cdev" 10 "has no VFIO device cdev" \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU,$IOMMUFD
check "without a cdev ferry picks type1 by itself" 1 \
	"type1 IOMMU backend \(the device has no VFIO cdev\)" \
	$FERRY run -v --kernel "$guest" --device vfio,host=$EDU
umount "/sys/bus/pci/devices/$EDU/vfio-dev"

# Already bound: by another ferry on iommufd, and across the backends.
hold() {
	$FERRY run --kernel "$LAB_BUILD/guest/exits.elf" --device "vfio,host=$EDU,iommu=$1" \
		--cmdline "pio=1000000000 mmio=0" </dev/null >"$first_out" 2>&1 &
	first=$!
	sleep 3
}
release() {
	kill -TERM $first
	wait $first
	status=$?
	[ $status = 12 ] && echo "PASS: the first ferry ($1) stopped on SIGTERM (12)" ||
		{ echo "FAIL: first ferry ($1) ended with $status"; sed 's/^/    | /' "$first_out"; LAB_FAILED=1; }
}
first_out=$(mktemp)
hold iommufd
one_error "device already bound by another ferry (iommufd)" 10 \
	"already in use: another process has bound it to an iommufd" \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU,$IOMMUFD
one_error "type1 while another ferry has the cdev" 10 "IOMMU group [0-9]+ is already in use" \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU,iommu=type1
release iommufd
hold type1
one_error "iommufd while another ferry has the group (type1)" 10 \
	"already in use through its IOMMU group" \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU,$IOMMUFD
release type1
rm -f "$first_out"

# Unprivileged: /dev/iommu, the cdevs and /dev/kvm opened up to nobody.
cdev=$(ls "/sys/bus/pci/devices/$EDU/vfio-dev")
cdev2=$(ls "/sys/bus/pci/devices/$NVME/vfio-dev" 2>/dev/null || true)
chmod 666 /dev/kvm /dev/iommu
chown 65534 "/dev/vfio/devices/$cdev"
pub=$(mktemp -d)
chmod 755 "$pub"
install -m 755 "$FERRY" "$pub/ferry"
install -m 644 "$guest" "$pub/guest.elf"
install -m 644 "$LAB_BUILD/guest/exits.elf" "$pub/exits.elf"
one_error "RLIMIT_MEMLOCK too low for guest RAM" 10 \
	"needs 256 MiB of locked memory but RLIMIT_MEMLOCK is 1 MiB" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	sh -c 'ulimit -l 1024 && exec "$0" "$@"' \
	"$pub/ferry" run --kernel "$pub/guest.elf" --device vfio,host=$EDU,$IOMMUFD
check "RLIMIT_MEMLOCK raised from 1 MiB to what guest RAM needs" 1 \
	"0 unexpected failures" \
	sh -c 'ulimit -H -l 1048576 && ulimit -S -l 1024 && exec "$@"' sh \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$pub/ferry" run --kernel "$pub/guest.elf" --device vfio,host=$EDU,$IOMMUFD
# iommufd charges the user, not the process: two ferries of one user, 
# each within its own 300 MiB limit, together exceed it. (type1 charges
# each process, so there the second would run.)
bind_vfio "$NVME" || { echo "FAIL: cannot bind $NVME"; exit 1; }
cdev2=$(ls "/sys/bus/pci/devices/$NVME/vfio-dev")
chown 65534 "/dev/vfio/devices/$cdev2"
acct_out=$(mktemp)
# (root sets the limit, soft and hard, then drops to nobody: a user cannot
# raise its hard limit, which is 8 MiB here.)
sh -c 'ulimit -l 307200 && exec "$@"' sh setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$pub/ferry" run --memory 256M --kernel "$pub/exits.elf" --device vfio,host=$EDU,$IOMMUFD \
	--cmdline "pio=1000000000 mmio=0" </dev/null >"$acct_out" 2>&1 &
first=$!
sleep 3
one_error "iommufd's per-user accounting exhausts RLIMIT_MEMLOCK" 10 \
	"locked-memory limit is exhausted \(iommufd counts the pinned memory of all processes of this user together\)" \
	sh -c 'ulimit -l 307200 && exec "$@"' sh setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$pub/ferry" run --memory 256M --kernel "$pub/guest.elf" --device vfio,host=$NVME,$IOMMUFD
kill -TERM $first
wait $first
[ $? = 12 ] || { echo "FAIL: the first unprivileged ferry"; sed 's/^/    | /' "$acct_out"; LAB_FAILED=1; }
rm -f "$acct_out"
rm -rf "$pub"
chown 0 "/dev/vfio/devices/$cdev" "/dev/vfio/devices/$cdev2"
chmod 600 /dev/iommu

# The quiesce order on SIGTERM: bus mastering off (a config write at
# region 7, offset 7 << 40, + 4) before the first IOMMU_IOAS_UNMAP
# (_IO(';', 0x86) = 0x3b86), which comes before the IOAS is destroyed
# (IOMMU_DESTROY, 0x3b80). Raw ioctl numbers: bookworm's strace names
# ';' 0x76-0x78 (the cdev's BIND, ATTACH, DETACH) after VFIO's SPAPR
# ioctls and prints iommufd's as _IOC(...).
trace=$(mktemp)
strace -f -qq -o "$trace" -e trace=pwrite64,ioctl,close -e raw=ioctl \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU,$IOMMUFD \
	--cmdline "hold=1" </dev/null >/dev/null 2>&1 &
sleep 8
pkill -TERM -x ferry
wait $!
status=$?
master=$(grep -n 'pwrite64(.*, 2, 7696581394436)' "$trace" | tail -n1 | cut -d: -f1)
unmap=$(grep -n 'ioctl([0-9a-fx]*, 0x3b86,' "$trace" | head -n1 | cut -d: -f1)
destroy=$(grep -n 'ioctl([0-9a-fx]*, 0x3b80,' "$trace" | tail -n1 | cut -d: -f1)
echo "    | strace: status $status, bus-master write at line ${master:-none}, first unmap at ${unmap:-none}, IOAS destroyed at ${destroy:-none}"
if [ "$status" = 12 ] && [ -n "$master" ] && [ -n "$unmap" ] && [ -n "$destroy" ] &&
	[ "$master" -lt "$unmap" ] && [ "$unmap" -lt "$destroy" ]; then
	echo "PASS: on SIGTERM bus mastering went off before the IOAS unmap, the IOAS went last (status 12)"
else
	grep -E 'pwrite64|0x3b[78]' "$trace" | tail -20 | sed 's/^/    | /'
	echo "FAIL: SIGTERM teardown order"; LAB_FAILED=1
fi
rm -f "$trace"

check "device works again after the others let go" 1 "0 unexpected failures" \
	$FERRY run --kernel "$guest" --device vfio,host=$EDU,$IOMMUFD
finish
