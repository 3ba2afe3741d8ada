# SPDX-License-Identifier: MIT
# A hostile guest (guest/hostile.c) on 4 vCPUs with edu and nvme passed
# through: random config writes at every offset and length, D3hot to
# hidden capabilities, BAR sizing and moves, BARs over the LAPIC, IOAPIC,
# RAM and ECAM, MSI-X table abuse, MSI/MSI-X mode flapping and a decode
# storm while three vCPUs read edu's BAR. ferry must end with the guest's
# status, its descriptors, MSI routes and memory slots back to where they
# started, its log bounded, and both devices usable by the next VM.
# Single-threaded TCG in L0, as for the other BAR-churning scenarios
# (docs/lab.md).
# lab-accel: tcg,thread=single
# lab-timeout: 300
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) && bind_vfio "$EDU" || { echo "FAIL: no edu"; exit 1; }
NVME=$(pci_find 1b36 0010 1) && bind_vfio "$NVME" || { echo "FAIL: no nvme"; exit 1; }
out=$(mktemp)
err=$(mktemp)
timeout -k 5 200 $FERRY run --kernel "$LAB_BUILD/guest/hostile.elf" --cpus 4 \
	--stats --device vfio,host=$EDU --device vfio,host=$NVME \
	--cmdline "seed=$(date +%s)" </dev/null >"$out" 2>"$err"
status=$?
sed 's/^/    | /' "$out"
grep -v '^stats:' "$err" | head -40 | sed 's/^/    ! /'
grep '^stats:' "$err" | sed 's/^/    | /'
if [ $status = 1 ] && grep -q "0 unexpected failures" "$out"; then
	echo "PASS: the hostile guest ran to its end (status 1, its checks passed)"
else
	echo "FAIL: hostile guest: status $status"; LAB_FAILED=1
fi
if grep -Eq "^stats: open-fds start=([0-9]+) end=\1$" "$err"; then
	echo "PASS: every descriptor closed"
else
	echo "FAIL: descriptors: $(grep open-fds "$err")"; LAB_FAILED=1
fi
if grep -q "^stats: after teardown msi-routes=0 device-slots=0$" "$err"; then
	echo "PASS: no MSI route or memory slot left in KVM"
else
	echo "FAIL: left in KVM: $(grep 'after teardown' "$err")"; LAB_FAILED=1
fi
lines=$(grep -vc '^stats:' "$err")
if [ "$lines" -le 150 ]; then
	echo "PASS: $lines log lines (bounded by the rate limits)"
else
	echo "FAIL: $lines log lines"; LAB_FAILED=1
fi
check "edu works for the next VM" 1 "0 unexpected failures" \
	$FERRY run --kernel "$LAB_BUILD/guest/edu.elf" --device vfio,host=$EDU
rm -f "$out" "$err"
finish
