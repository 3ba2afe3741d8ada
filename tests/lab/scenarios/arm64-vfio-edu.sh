# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# arm64: the tiny edu guest drives QEMU's edu device through VFIO behind
# L1's SMMUv3: ID, liveness, factorial with an MSI (an LPI through the
# ITS: KVM routes carry the requester ID) and with INTx (a GIC SPI,
# resampled), DMA round trip through the SMMU, the expansion ROM, lazy
# BAR mapping; then 10 runs in a row without leaked descriptors.
# lab-arch: arm64
# lab-timeout: 400
# shellcheck source=tests/lab/lib.sh
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) || { echo "FAIL: no edu device in L1"; exit 1; }
bind_vfio "$EDU" || { echo "FAIL: cannot bind $EDU to vfio-pci"; exit 1; }
echo "edu at $EDU, IOMMU group $(group_of "$EDU")"
guest="$LAB_BUILD/guest/edu.elf"
out=$(mktemp)

# expect_lines NAME STATUS LINE...: ferry's status ($status) is STATUS
# and every LINE (a fixed string) is in $out.
expect_lines() {
	name=$1 want=$2
	shift 2
	if [ "$status" != "$want" ]; then
		echo "FAIL: $name: exit status $status, expected $want"
		sed 's/^/    | /' "$out"
		LAB_FAILED=1
		return
	fi
	for l in "$@"; do
		if ! grep -qF -- "$l" "$out"; then
			echo "FAIL: $name: no line '$l'"
			sed 's/^/    | /' "$out"
			LAB_FAILED=1
			return
		fi
	done
	echo "PASS: $name"
}

# Short timeouts: a guest whose interrupt never comes spins in wait_irq
# until killed; that must cost seconds, not the scenario's budget.
timeout -k 5 60 $FERRY run -v --kernel "$guest" --device vfio,host=$EDU --stats \
	--cmdline "reads=100000" </dev/null >"$out" 2>&1
status=$?
sed 's/^/    | /' "$out"
expect_lines "edu over VFIO with MSI through the ITS" 1 \
	"PASS: MSI enabled" "PASS: factorial completion raised an interrupt" \
	"PASS: DMA round trip through the IOMMU is intact" \
	"SUMMARY: 12 tests, 0 unexpected failures"
expect_lines "the expansion ROM is readable through its BAR" 1 \
	"PASS: expansion ROM (8 KiB"
expect_lines "100000 reads of the mapped BAR: one fault maps it, no more exits" 1 \
	"faults=1 installs=1 revokes=0 install-failures=0 trapped-reads=2 "

i=1 leaks=0 fails=0
while [ $i -le 10 ]; do
	timeout -k 5 20 $FERRY run --kernel "$guest" --device vfio,host=$EDU \
		--stats --cmdline reads=10 </dev/null >"$out" 2>&1
	status=$?
	[ $status = 1 ] && grep -q "0 unexpected failures" "$out" ||
		{ fails=$((fails + 1)); echo "run $i: status $status"; tail -20 "$out"; }
	grep -Eq "open-fds start=([0-9]+) end=\1$" "$out" ||
		{ leaks=$((leaks + 1)); grep open-fds "$out"; }
	# One failed run says it: the other nine would only repeat it.
	[ $fails = 0 ] && [ $leaks = 0 ] || break
	i=$((i + 1))
done
if [ $fails = 0 ] && [ $leaks = 0 ]; then
	echo "PASS: 10 runs in a row, every descriptor closed"
else
	echo "FAIL: $fails failed runs, $leaks runs with open descriptors"
	LAB_FAILED=1
fi
timeout -k 5 60 $FERRY run --kernel "$guest" --device vfio,host=$EDU \
	--cmdline "intx=1" </dev/null >"$out" 2>&1
status=$?
expect_lines "edu over VFIO with INTx (GIC SPI, resampled)" 1 \
	"PASS: INTx: INTA routed to interrupt line" \
	"PASS: factorial completion raised an interrupt" \
	"PASS: DMA round trip through the IOMMU is intact" \
	"0 unexpected failures"
rm -f "$out"
finish
