# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Benchmark (not a test): NVMe throughput behind a virtio-iommu, ferry vs
# QEMU (bench/lab_viommu.py). Then, while this L1 is up, the cloud kernel
# on 4 vCPUs a few times (issue 15: one triple fault seen there once):
# three boots, each one's end said, and the count.
# Run with bench/lab-viommu from L0.
# lab-timeout: 3000
# shellcheck source=tests/lab/lib.sh
. "$LAB_REPO/tests/lab/lib.sh"
NVME=$(pci_find 1b36 0010 1) && bind_vfio "$NVME" || { echo "no nvme"; exit 1; }
python3 "$LAB_REPO/bench/lab_viommu.py" "$NVME"
status=$?

n=3 i=0 ok=0 faults=0
out=$(mktemp)
while [ $i -lt "$n" ]; do
	i=$((i + 1))
	timeout -k 5 240 "$FERRY" run --kernel "$LAB_CLOUD_KERNEL" --cpus 4 \
		--memory 256M --initrd "$LAB_L2_INITRD" \
		--cmdline "console=ttyS0 panic=-1 lab.exit=reboot" </dev/null >"$out" 2>&1
	s=$?
	if grep -q "triple-faulted" "$out"; then
		faults=$((faults + 1))
		echo "cloud kernel, 4 vCPUs, boot $i: TRIPLE FAULT (status $s):"
		grep -E "ferry: error|pnp|ACPI" "$out" | tail -15 | sed 's/^/    | /'
	elif [ $s = 0 ] && grep -q "FERRY-L2-INIT cpus=4 online=0-3" "$out"; then
		ok=$((ok + 1))
		echo "cloud kernel, 4 vCPUs, boot $i: 4 CPUs online, reset"
	else
		echo "cloud kernel, 4 vCPUs, boot $i: status $s:"
		tail -15 "$out" | sed 's/^/    | /'
	fi
done
rm -f "$out"
echo "cloud kernel, 4 vCPUs: $ok of $n boots fine, $faults triple faults"
exit $status
