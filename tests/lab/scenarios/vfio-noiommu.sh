# SPDX-License-Identifier: MIT
# Without an IOMMU, --device says so in one sentence (exit status 10).
# lab-append: intel_iommu=off
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) || { echo "FAIL: no edu"; exit 1; }
check "no IOMMU" 10 "has no IOMMU group: the host runs without an IOMMU" \
	$FERRY run --kernel "$LAB_BUILD/guest/edu.elf" --device vfio,host=$EDU
finish
