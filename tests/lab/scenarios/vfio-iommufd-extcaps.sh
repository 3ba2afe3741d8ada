# SPDX-License-Identifier: MIT
# The extended capabilities a guest sees of a passed-through device on the
# iommufd backend, against what the host shows: guest/ext-caps.elf walks
# the chain of the NVMe controller and of an e1000e (AER and a serial
# number; QEMU's NVMe has no extended capabilities) and checks it against
# tests/lab/tools/ext-caps.py's reading of the device's config in L1's
# sysfs, hidden capabilities accounted for. The host IOMMU and its PASID
# width appear at -v and in --stats.
# lab-kernel: iommufd
# lab-timeout: 240
. "$LAB_REPO/tests/lab/lib.sh"
NVME=$(pci_find 1b36 0010 1) || { echo "FAIL: no nvme device"; exit 1; }
NIC=$(pci_find 8086 10d3 1) || { echo "FAIL: no e1000e device"; exit 1; }
for dev in $NVME $NIC; do
	bind_vfio "$dev" || { echo "FAIL: cannot bind $dev to vfio-pci"; exit 1; }
	host=$(python3 "$LAB_REPO/tests/lab/tools/ext-caps.py" "$dev") ||
		{ echo "FAIL: cannot read $dev's config in sysfs"; LAB_FAILED=1; continue; }
	echo "host view of $dev: $host"
	od -Ax -tx4 -j256 -N256 "/sys/bus/pci/devices/$dev/config" | sed 's/^/    | /'
	check "ext-caps guest on $dev" 1 "SUMMARY: [0-9]+ tests, 0 unexpected failures" \
		$FERRY run -v --stats --kernel "$LAB_BUILD/guest/ext-caps.elf" \
		--device vfio,host=$dev --cmdline "$host"
	# Where a regex spans lines: sh -c 'o=...' puts CMD's output on one line
	# and keeps CMD's exit status (a pipe into tr would give tr's).
	check "$dev: host IOMMU and PASID width at -v and in --stats" 1 \
		"host IOMMU intel-vtd, PASID width [0-9]+ bits.*stats: $dev .*iommu=iommufd host-iommu=intel-vtd pasid-bits=[0-9]+ coherent=(yes|no)" \
		sh -c 'o=$(mktemp); "$@" >"$o" 2>&1; s=$?; tr "\n" " " <"$o"; rm -f "$o"; exit $s' sh \
		$FERRY run -v --stats --kernel "$LAB_BUILD/guest/ext-caps.elf" \
		--device vfio,host=$dev --cmdline "$host"
done
# The e1000e has AER and DSN: both must have been shown and checked.
check "e1000e: AER and the serial number reach the guest, read-only" 1 \
	"serial number 0x.*AER is read-only" \
	sh -c 'o=$(mktemp); "$@" >"$o" 2>&1; s=$?; tr "\n" " " <"$o"; rm -f "$o"; exit $s' sh \
	$FERRY run --kernel "$LAB_BUILD/guest/ext-caps.elf" --device vfio,host=$NIC \
	--cmdline "$(python3 "$LAB_REPO/tests/lab/tools/ext-caps.py" "$NIC")"
finish
