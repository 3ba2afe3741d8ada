# SPDX-License-Identifier: MIT
# Lazy BAR mapping: 4 vCPUs race on edu's BAR0 while decode is toggled
# 1000 times (one installation per enable window, no wrong value, no
# error logged), and a BAR moved while decoding (old address all-ones,
# new one works, RAM and ECAM untouched by a hostile placement).
# Single-threaded TCG in L0: with multi-threaded TCG, L0's nested SVM breaks
# L2 under this scenario's nested-page-table churn (docs/lab.md).
# lab-accel: tcg,thread=single
# lab-timeout: 300
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) || { echo "FAIL: no edu device in L1"; exit 1; }
bind_vfio "$EDU" || { echo "FAIL: cannot bind $EDU to vfio-pci"; exit 1; }
out=$(mktemp)
toggles=1000

timeout -k 5 150 $FERRY run --kernel "$LAB_BUILD/guest/bar-race.elf" --cpus 4 --stats \
	--device vfio,host=$EDU --cmdline "toggles=$toggles" </dev/null >"$out" 2>&1
status=$?
sed 's/^/    | /' "$out"
if [ $status = 1 ] && grep -q "0 unexpected failures" "$out"; then
	echo "PASS: bar-race guest"
else
	echo "FAIL: bar-race guest (status $status)"; LAB_FAILED=1
fi
stats=$(grep "stats: $EDU" "$out")
installs=$(echo "$stats" | sed -n 's/.* installs=\([0-9]*\).*/\1/p')
faults=$(echo "$stats" | sed -n 's/.* faults=\([0-9]*\).*/\1/p')
if [ "$installs" = $((toggles + 1)) ] && echo "$stats" | grep -q "install-failures=0"; then
	echo "PASS: $installs installations for $toggles re-enables plus the first ($faults faults)"
else
	echo "FAIL: installations '$installs', expected $((toggles + 1))"; LAB_FAILED=1
fi
# Single-threaded TCG interleaves L1's CPUs too coarsely to show the race
# vm_pause() prevents (docs/lab.md), so check that every installation was
# paused: without it there are no pauses at all.
pauses=$(sed -n 's/^stats: vm pauses=\([0-9]*\).*/\1/p' "$out")
if [ -n "$installs" ] && [ "${pauses:-0}" -ge "$installs" ]; then
	echo "PASS: the guest was paused for every installation ($pauses pauses)"
else
	echo "FAIL: $installs installations but '$pauses' pauses"; LAB_FAILED=1
fi
iommu=${LAB_EXPECT_IOMMU:-type1}
if echo "$stats" | grep -q " iommu=$iommu"; then
	echo "PASS: on the $iommu backend"
else
	echo "FAIL: not on the $iommu backend"; LAB_FAILED=1
fi
if grep -q "^ferry: \(error\|warning\)" "$out"; then
	echo "FAIL: ferry logged an error or warning"; LAB_FAILED=1
else
	echo "PASS: nothing logged"
fi

check "bar-move guest" 1 "SUMMARY: [0-9]+ tests, 0 unexpected failures" \
	$FERRY run --kernel "$LAB_BUILD/guest/bar-move.elf" --device vfio,host=$EDU
rm -f "$out"
finish
