# SPDX-License-Identifier: MIT
# A Linux guest drives the passed-through NVMe controller (MSI-X): it
# writes a pattern with direct I/O and reads it back; then it resets the
# controller itself (PCIe function-level reset through ferry's virtual
# config space) and does it again with another pattern. The checksum of
# the last pattern must match the disk image as the host sees it. L2 logs
# warnings (loglevel=5: an NVMe command timeout shows on a failure).
# lab-timeout: 240
. "$LAB_REPO/tests/lab/lib.sh"
NVME=$(pci_find 1b36 0010 1) || { echo "FAIL: no nvme device"; exit 1; }
bind_vfio "$NVME" || { echo "FAIL: cannot bind $NVME to vfio-pci"; exit 1; }
mib=8
out=$(mktemp)
timeout -k 5 200 $FERRY run --kernel "$LAB_KERNEL" --initrd "$LAB_L2_INITRD" \
	--memory 256M --device vfio,host=$NVME --stats \
	--cmdline "console=ttyS0 quiet loglevel=5 reboot=k panic=-1 lab.nvme=$mib lab.nvme_reset=1 lab.exit=port" \
	</dev/null >"$out" 2>&1
status=$?
grep -E "NVME-|nvme|reset method|stats: $NVME|ferry:" "$out" | sed 's/^/    | /'
result=$(grep "NVME-RESULT " "$out")
result2=$(grep "NVME-RESULT2 " "$out")
wrote2=$(echo "$result2" | sed -n 's/.*wrote=\([0-9a-f]*\).*/\1/p')
read2=$(echo "$result2" | sed -n 's/.* read=\([0-9a-f]*\).*/\1/p')
wrote=$(echo "$result" | sed -n 's/.*wrote=\([0-9a-f]*\).*/\1/p')
read=$(echo "$result" | sed -n 's/.* read=\([0-9a-f]*\).*/\1/p')
disk=$(head -c $((mib * 1048576)) "$LAB_CACHE/nvme.img" | sha256sum | cut -c1-64)
if [ "$status" = 1 ] && [ -n "$wrote" ] && [ "$wrote" = "$read" ]; then
	echo "PASS: the guest read back what it wrote ($wrote)"
else
	echo "FAIL: status $status, wrote '$wrote', read '$read'"
	tail -40 "$out"
	LAB_FAILED=1
fi
if grep -q "NVME-RESET done" "$out" && [ -n "$wrote2" ] && [ "$wrote2" = "$read2" ]; then
	echo "PASS: after a function-level reset from inside, the disk still works"
else
	echo "FAIL: after the guest's reset: wrote '$wrote2', read '$read2'"
	LAB_FAILED=1
fi
grep -q "stats: $NVME .*guest-resets=[1-9]" "$out" &&
	echo "PASS: ferry saw the guest's reset and revoked the BAR mappings" ||
	{ echo "FAIL: no guest reset counted"; LAB_FAILED=1; }
if [ -n "$wrote2" ] && [ "$wrote2" = "$disk" ]; then
	echo "PASS: the image file on the host holds the same bytes"
else
	echo "FAIL: the image file's checksum is $disk"
	LAB_FAILED=1
fi
iommu=${LAB_EXPECT_IOMMU:-type1}
grep -q "stats: $NVME .* iommu=$iommu" "$out" &&
	echo "PASS: on the $iommu backend" ||
	{ echo "FAIL: not on the $iommu backend"; LAB_FAILED=1; }
grep -q "stats: $NVME .*msix-table-writes=[1-9]" "$out" &&
	echo "PASS: the guest programmed MSI-X vectors" ||
	{ echo "FAIL: no MSI-X table writes seen"; LAB_FAILED=1; }
rm -f "$out"
finish
