# SPDX-License-Identifier: MIT
# The tiny edu guest drives QEMU's edu device through VFIO: ID, liveness,
# factorial with MSI and with INTx, DMA round trip through the IOMMU, the
# expansion ROM; mapped-BAR reads do not exit. Then 20 runs in a row: no
# leaked descriptors, the device stays usable.
# Single-threaded TCG in L0: with multi-threaded TCG, L1 hung in 2 of 5
# runs of this scenario (RCU stalls, soft lockups; docs/lab.md).
# lab-accel: tcg,thread=single
# lab-timeout: 540
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) || { echo "FAIL: no edu device in L1"; exit 1; }
echo "edu at $EDU, IOMMU group $(group_of "$EDU")"
bind_vfio "$EDU" || { echo "FAIL: cannot bind $EDU to vfio-pci"; exit 1; }
guest="$LAB_BUILD/guest/edu.elf"
out=$(mktemp)

# expect_lines NAME STATUS LINE...: ferry's exit status ($status) is
# exactly STATUS and every LINE (a fixed string) is in $out.
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

timeout -k 5 100 $FERRY run -v --kernel "$guest" --device vfio,host=$EDU --stats \
	--cmdline "reads=100000" </dev/null >"$out" 2>&1
status=$?
sed 's/^/    | /' "$out"
expect_lines "edu over VFIO with MSI" 1 \
	"PASS: MSI enabled" "PASS: factorial completion raised an interrupt" \
	"PASS: DMA round trip through the IOMMU is intact" \
	"unexpected failures" "SUMMARY: 12 tests, 0 unexpected failures"
expect_lines "the expansion ROM is readable through its BAR" 1 \
	"PASS: expansion ROM (8 KiB"
# Trapped reads: the one lazy fault on BAR0, and the ROM's signature.
expect_lines "100000 reads of the mapped BAR: one fault maps it, no more exits" 1 \
	"faults=1 installs=1 revokes=0 install-failures=0 trapped-reads=2 "
# The backend ferry picks by itself: iommufd where the kernel has it (the
# vfio-iommufd-* wrappers set LAB_EXPECT_IOMMU), else type1.
iommu=${LAB_EXPECT_IOMMU:-type1}
expect_lines "ferry chose the $iommu backend by itself and says so" 1 \
	"$iommu IOMMU backend (" " iommu=$iommu"

i=1
leaks=0
fails=0
while [ $i -le 20 ]; do
	timeout -k 5 15 $FERRY run --kernel "$guest" --device vfio,host=$EDU \
		--stats --cmdline reads=10 </dev/null >"$out" 2>&1
	status=$?
	[ $status = 1 ] && grep -q "0 unexpected failures" "$out" ||
		{ fails=$((fails + 1)); echo "run $i: status $status"; tail -20 "$out"; }
	grep -Eq "open-fds start=([0-9]+) end=\1$" "$out" ||
		{ leaks=$((leaks + 1)); grep open-fds "$out"; }
	i=$((i + 1))
done
if [ $fails = 0 ] && [ $leaks = 0 ]; then
	echo "PASS: 20 runs in a row, every descriptor closed"
else
	echo "FAIL: $fails failed runs, $leaks runs with open descriptors"
	LAB_FAILED=1
fi
[ "$(basename "$(readlink /sys/bus/pci/devices/$EDU/driver)")" = vfio-pci ] ||
	{ echo "FAIL: $EDU lost its vfio-pci binding"; LAB_FAILED=1; }
# INTx last, so an INTx failure cannot hide the checks above.
timeout -k 5 100 $FERRY run --kernel "$guest" --device vfio,host=$EDU \
	--cmdline "intx=1" </dev/null >"$out" 2>&1
status=$?
expect_lines "edu over VFIO with INTx (IOAPIC, resampled)" 1 \
	"PASS: INTx: INTA routed to interrupt line" \
	"PASS: factorial completion raised an interrupt" \
	"PASS: DMA round trip through the IOMMU is intact" \
	"0 unexpected failures"

rm -f "$out"
finish
