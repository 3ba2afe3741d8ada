# SPDX-License-Identifier: MIT
# The tiny edu guest drives QEMU's edu device through VFIO: ID, liveness,
# factorial with MSI, DMA round trip through the IOMMU; mapped-BAR reads do
# not exit. Then 20 runs in a row: no leaked descriptors, the device stays
# usable.
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) || { echo "FAIL: no edu device in L1"; exit 1; }
echo "edu at $EDU, IOMMU group $(group_of "$EDU")"
bind_vfio "$EDU" || { echo "FAIL: cannot bind $EDU to vfio-pci"; exit 1; }
guest="$LAB_BUILD/guest/edu.elf"

check "edu guest over VFIO" 1 "SUMMARY: [0-9]+ tests, 0 unexpected failures" \
	$FERRY run -v --kernel "$guest" --device vfio,host=$EDU --stats \
	--cmdline "reads=100000"
out=$(mktemp)
$FERRY run --kernel "$guest" --device vfio,host=$EDU --stats \
	--cmdline "reads=100000" </dev/null >"$out" 2>&1
grep -E "stats: ($EDU|vcpu0|open-fds)" "$out"
if grep -q "stats: $EDU .*trapped-reads=0 " "$out"; then
	echo "PASS: 100000 reads of the mapped BAR: no trapped read"
else
	echo "FAIL: reads of the mapped BAR were trapped"
	LAB_FAILED=1
fi
rm -f "$out"

i=1
leaks=0
fails=0
while [ $i -le 20 ]; do
	out=$($FERRY run --kernel "$guest" --device vfio,host=$EDU --stats \
		--cmdline reads=10 </dev/null 2>&1)
	status=$?
	[ $status = 1 ] && echo "$out" | grep -q "0 unexpected failures" ||
		{ fails=$((fails + 1)); echo "run $i: status $status"; echo "$out" | tail -5; }
	echo "$out" | grep -Eq "open-fds start=([0-9]+) end=\1$" ||
		{ leaks=$((leaks + 1)); echo "$out" | grep open-fds; }
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
finish
