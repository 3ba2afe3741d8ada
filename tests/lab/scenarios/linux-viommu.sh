# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Linux behind ferry's virtio-iommu (--viommu): Debian's 6.12 kernel (its
# virtio-iommu driver is a module; 6.1 has none) finds the device through
# the ACPI VIOT, puts the passed-through NVMe controller in an IOMMU group
# behind it (DMA domain, the MSI window from PROBE as a reserved region),
# and drives the disk through its own mappings: direct I/O written and
# read back, the host's image holding the same bytes, ferry counting the
# guest's ATTACH, PROBE, MAP and UNMAP requests. The control: the same
# guest with iommu.passthrough=1 (an identity domain: one ATTACH with the
# BYPASS flag, no MAP) drives the disk too.
# A Linux boot here takes 30-70 s of L1 time: 200 s a boot, two boots.
# lab-timeout: 480
# shellcheck source=tests/lab/lib.sh
. "$LAB_REPO/tests/lab/lib.sh"
NVME=$(pci_find 1b36 0010 1) || { echo "FAIL: no nvme device"; exit 1; }
bind_vfio "$NVME" || { echo "FAIL: cannot bind $NVME to vfio-pci"; exit 1; }
mib=8
out=$(mktemp)

# boot TAG CMDLINE-EXTRA: the 6.12 guest behind --viommu with the NVMe.
boot() {
	echo "== $1"
	timeout -k 5 200 "$FERRY" run -v --viommu --stats --memory 512M \
		--kernel "$LAB_VIOMMU_KERNEL" --initrd "$LAB_L2_VIOMMU_INITRD" \
		--device vfio,host="$NVME" \
		--cmdline "console=ttyS0 quiet reboot=k panic=-1 lab.viommu=1 lab.nvme=$mib lab.exit=port $2" \
		</dev/null >"$out.raw" 2>&1
	status=$?
	tr -d '\r' <"$out.raw" >"$out"
	rm -f "$out.raw"
	grep -E "FERRY-|NVME-|VIOMMU-|stats: virtio-iommu|ferry: (error|warning)|virtio-iommu|Kernel panic|BUG|WARNING" \
		"$out" | sed 's/^/    | /'
}

# pass MESSAGE / fail MESSAGE
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; LAB_FAILED=1; }

# nvme_ok: the guest read back what it wrote, and the host's image file
# holds it.
nvme_ok() {
	r=$(grep "NVME-RESULT " "$out")
	wrote=$(echo "$r" | sed -n 's/.*wrote=\([0-9a-f]*\).*/\1/p')
	read=$(echo "$r" | sed -n 's/.* read=\([0-9a-f]*\).*/\1/p')
	disk=$(head -c $((mib * 1048576)) "$LAB_CACHE/nvme.img" | sha256sum | cut -c1-64)
	[ -n "$wrote" ] && [ "$wrote" = "$read" ] && [ "$wrote" = "$disk" ]
}

# counter NAME: that counter of ferry's virtio-iommu line.
counter() {
	sed -n "s/^stats: virtio-iommu .* $1=\([0-9]*\).*/\1/p" "$out" | head -n1
}

boot "translated: DMA domain" "lab.nvme_tag=-dma"
if [ "$status" = 1 ] && grep -q '^FERRY-L2-ACPI tables=.*VIOT.* complaints=0$' "$out"; then
	pass "the 6.12 guest booted with the VIOT among its ACPI tables, no complaint"
else
	fail "status $status, ACPI: $(grep '^FERRY-L2-ACPI' "$out")"
	tail -60 "$out" | sed 's/^/    tail| /'
fi
grep -Eq '^VIOMMU-DRIVER bound=virtio[0-9]' "$out" &&
	pass "Linux's virtio_iommu driver bound to ferry's device" ||
	fail "the virtio_iommu driver did not bind"
group=$(grep -E '^VIOMMU-GROUP .* class=0x010802 ' "$out")
if echo "$group" | grep -Eq ' type=DMA(-FQ)? iommu=0000:00:[0-9a-f]{2}\.0 driver=nvme$'; then
	pass "the NVMe is in an IOMMU group behind the virtio-iommu, a DMA domain, nvme bound"
else
	fail "the NVMe's group: '$group'"
fi
g=$(echo "$group" | sed -n 's/.* group=\([0-9]*\) .*/\1/p')
grep -Eq "^VIOMMU-RESV group=${g:-x} 0x0*fee00000 0x0*feefffff msi$" "$out" &&
	pass "its reserved regions hold the MSI window from PROBE" ||
	fail "no MSI window among group ${g:-?}'s reserved regions"
nvme_ok && pass "direct I/O through the guest's mappings: read back what it wrote, and the host's image holds it ($wrote)" ||
	fail "NVMe: wrote '$wrote', read '$read', image '$disk'"
attach=$(counter attach) probe=$(counter probe) map=$(counter map) unmap=$(counter unmap) failed=$(counter failed)
if [ "${attach:-0}" -ge 1 ] && [ "${probe:-0}" -ge 1 ] && [ "${map:-0}" -ge 1 ] &&
	[ "${unmap:-0}" -ge 1 ] && [ "${failed:-1}" = 0 ]; then
	pass "ferry served the guest's attach=$attach probe=$probe map=$map unmap=$unmap, none failed"
else
	fail "virtio-iommu counters: attach=$attach probe=$probe map=$map unmap=$unmap failed=$failed"
fi
grep -Eq "open-fds start=([0-9]+) end=\1$" "$out" ||
	fail "descriptors left open"

boot "control: iommu.passthrough=1" "iommu.passthrough=1 lab.nvme_tag=-identity"
group=$(grep -E '^VIOMMU-GROUP .* class=0x010802 ' "$out")
if [ "$status" = 1 ] && echo "$group" | grep -q ' type=identity '; then
	pass "with iommu.passthrough=1 the NVMe's group is an identity domain"
else
	fail "status $status, the NVMe's group: '$group'"
	tail -40 "$out" | sed 's/^/    tail| /'
fi
nvme_ok && pass "and the disk works through it ($wrote)" ||
	fail "NVMe with passthrough: wrote '$wrote', read '$read', image '$disk'"
attach=$(counter attach) map=$(counter map) failed=$(counter failed)
if [ "${attach:-0}" -ge 1 ] && [ "${map:-1}" = 0 ] && [ "${failed:-1}" = 0 ]; then
	pass "one bypass ATTACH, no MAP (attach=$attach map=$map)"
else
	fail "virtio-iommu counters with passthrough: attach=$attach map=$map failed=$failed"
fi
rm -f "$out"
finish
