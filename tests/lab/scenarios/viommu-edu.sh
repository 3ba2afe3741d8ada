# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# edu behind --viommu, driven by the tiny viommu-edu guest through its own
# mappings: nothing reachable before ATTACH, a DMA round trip through IOVAs
# that are not the buffers' GPAs, UNMAP and DETACH cut the device off. A
# DMA to the unmapped IOVA must fault in L1's IOMMU (a DMAR fault at that
# address in L1's log), not land in guest memory. The guest prints the
# cost of MAP + UNMAP (4 KiB, 2 MiB) beside a request that does nothing.
# Then the tiny virtio guest (the kvm suite's virtio-iommu test) on real
# KVM: transport, negotiation, a hostile ring.
# lab-accel: tcg,thread=single
# lab-timeout: 300
# shellcheck source=tests/lab/lib.sh
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) || { echo "FAIL: no edu device in L1"; exit 1; }
echo "edu at $EDU, IOMMU group $(group_of "$EDU")"
bind_vfio "$EDU" || { echo "FAIL: cannot bind $EDU to vfio-pci"; exit 1; }
out=$(mktemp)

# faults: L1's DMAR fault lines at IOVA 0xa001000 so far.
faults() {
	dmesg | grep -cE 'DMAR:.*fault addr 0x0*a001000' || true
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
# The backend ferry picked by itself: iommufd where the kernel has it (the
# viommu-iommufd wrapper sets LAB_EXPECT_IOMMU), else type1; either way a
# listener of the guest's domain.
iommu=${LAB_EXPECT_IOMMU:-type1}
if grep -qF "$iommu IOMMU backend (" "$out" &&
	grep -qF "($iommu IOMMU, behind the vIOMMU)" "$out"; then
	echo "PASS: edu behind the vIOMMU on the $iommu backend"
else
	echo "FAIL: not on the $iommu backend (-v says otherwise)"
	LAB_FAILED=1
fi
grep -Eq "open-fds start=([0-9]+) end=\1$" "$out" ||
	{ echo "FAIL: descriptors left open"; LAB_FAILED=1; }
after=$(faults)
dmesg | grep -E 'DMAR:.*fault addr' | tail -5 | sed 's/^/    L1| /'
# Three DMA writes to 0xa001000 met no mapping: before ATTACH, after
# UNMAP, after DETACH (L1 rate-limits these lines: at least one).
if [ "$after" -gt "$before" ]; then
	echo "PASS: L1's IOMMU faulted $((after - before)) DMA writes to IOVA 0xa001000"
else
	echo "FAIL: no DMAR fault at IOVA 0xa001000 in L1's log"
	LAB_FAILED=1
fi

# In the 7.2 L1 (viommu-iommufd) both backends exist: the same guest on
# type1 too, for the guest's MAP + UNMAP cost on each, same L1, same edu.
if [ -n "${LAB_EXPECT_IOMMU:-}" ]; then
	grep -h "^bench:" "$out" | sed "s/^/    | $LAB_EXPECT_IOMMU /"
	timeout -k 5 150 "$FERRY" run --viommu --memory 512M \
		--kernel "$LAB_BUILD/guest/viommu-edu.elf" --device vfio,host="$EDU",iommu=type1 \
		</dev/null >"$out" 2>&1
	status=$?
	grep -h "^bench:" "$out" | sed 's/^/    | type1 /'
	if [ $status = 1 ] && grep -q "^SUMMARY: 22 tests, 0 unexpected failures" "$out"; then
		echo "PASS: the same guest behind the vIOMMU on type1 in this L1"
	else
		sed 's/^/    | /' "$out"
		echo "FAIL: the same guest on type1: exit status $status"
		LAB_FAILED=1
	fi
fi

timeout -k 5 100 "$FERRY" run --viommu --kernel "$LAB_BUILD/guest/virtio.elf" \
	</dev/null >"$out" 2>&1
status=$?
sed 's/^/    | /' "$out"
if [ $status = 1 ] && grep -q "^SUMMARY: 25 tests, 0 unexpected failures" "$out" &&
	grep -q "the driver broke queue 0; the device needs a reset" "$out"; then
	echo "PASS: the virtio guest on real KVM (hostile ring: device broken, ferry fine)"
else
	echo "FAIL: the virtio guest on real KVM: exit status $status"
	LAB_FAILED=1
fi
rm -f "$out"
finish
