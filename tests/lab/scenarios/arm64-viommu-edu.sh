# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# arm64: edu behind --viommu (described by the device tree's iommu-map),
# driven by the tiny viommu-edu guest through its own mappings, as on x86
# (viommu-edu.sh): nothing reachable before ATTACH, a DMA round trip
# through IOVAs that are not the buffers' GPAs, UNMAP and DETACH cut the
# device off, MSIs (LPIs through the ITS) bypass translation. A DMA to the
# unmapped IOVA must fault in L1's SMMUv3 (an event naming that address
# in L1's log), not land in guest memory.
# lab-arch: arm64
# lab-timeout: 240
# shellcheck source=tests/lab/lib.sh
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) || { echo "FAIL: no edu device in L1"; exit 1; }
echo "edu at $EDU, IOMMU group $(group_of "$EDU")"
bind_vfio "$EDU" || { echo "FAIL: cannot bind $EDU to vfio-pci"; exit 1; }
out=$(mktemp)

# faults: L1's SMMUv3 event records with input address 0xa001000 so far
# (the driver prints each record's dwords; the third is the address).
faults() {
	dmesg | grep -c '0x000000000a001000' || true
}

before=$(faults)
timeout -k 5 150 "$FERRY" run -v --viommu --memory 512M --stats \
	--kernel "$LAB_BUILD/guest/viommu-edu.elf" --device vfio,host="$EDU" \
	</dev/null >"$out" 2>&1
status=$?
sed 's/^/    | /' "$out"
if [ $status = 1 ] && grep -q "^SUMMARY: 22 tests, 0 unexpected failures" "$out"; then
	echo "PASS: edu behind the virtio-iommu: ATTACH, MAP, DMA, UNMAP, PROBE, DETACH"
else
	echo "FAIL: edu behind the virtio-iommu: exit status $status"
	LAB_FAILED=1
fi
grep -Eq "open-fds start=([0-9]+) end=\1$" "$out" ||
	{ echo "FAIL: descriptors left open"; LAB_FAILED=1; }
after=$(faults)
dmesg | grep -A4 'arm-smmu-v3.*event 0x' | tail -10 | sed 's/^/    L1| /'
# Three DMA writes to 0xa001000 met no mapping: before ATTACH, after
# UNMAP, after DETACH (L1 rate-limits these records: at least one).
if [ "$after" -gt "$before" ]; then
	echo "PASS: L1's SMMUv3 faulted $((after - before)) DMA writes to IOVA 0xa001000"
else
	echo "FAIL: no SMMUv3 event at IOVA 0xa001000 in L1's log"
	LAB_FAILED=1
fi
rm -f "$out"
finish
