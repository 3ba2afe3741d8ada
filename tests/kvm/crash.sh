#!/bin/sh
# SPDX-License-Identifier: MIT
# A guest that triple-faults: exit status 8, one error line saying so,
# and a register dump whose rip is the faulting instruction the guest
# printed and whose control registers are those ferry entered it with;
# or, where KVM resets the vCPU at shutdown (AMD), the reset state and a
# line saying that is what it is.
#   crash.sh FERRY CRASH_GUEST
set -u
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no usable /dev/kvm"; exit 77; }
ferry=$1 guest=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout 120 "$ferry" run --kernel "$guest" </dev/null >"$tmp/out" 2>&1
status=$?
cat "$tmp/out"
echo "--- exit status $status (want 8)"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
[ "$status" = 8 ] || bad "exit status $status, expected 8"
n=$(grep -c '^ferry: error: vCPU 0: the guest triple-faulted; stopping the VM$' "$tmp/out")
[ "$n" = 1 ] || bad "$n 'triple-faulted' lines, expected one"
ud2=$(sed -n 's/^crash: ud2 at \(0x[0-9a-f]*\) with no IDT.*/\1/p' "$tmp/out")
[ -n "$ud2" ] || bad "the guest did not say where it crashes"
if grep -q '^ferry: error: vCPU 0: these are the reset values' "$tmp/out"; then
	# KVM on AMD resets a vCPU at shutdown (the lab's L1 is one): then
	# the dump must be the architectural reset state, and say so.
	echo "(this KVM resets the vCPU at shutdown: checking the reset state)"
	grep -q '^ferry: error: vCPU 0: rip=0xfff0 rsp=0x[0-9a-f]* rflags=0x2 cs=0xf000$' "$tmp/out" ||
		bad "no register dump with the reset rip and cs"
	grep -q '^ferry: error: vCPU 0: cr0=0x60000010 cr2=0x0 cr3=0x0 cr4=0x0 efer=0x0$\|^ferry: error: vCPU 0: cr0=0x10 cr2=0x0 cr3=0x0 cr4=0x0 efer=0x0$' "$tmp/out" ||
		bad "no control-register dump with the reset values"
else
	grep -q "^ferry: error: vCPU 0: rip=$ud2 rsp=0x[0-9a-f]* rflags=0x[0-9a-f]* cs=0x10\$" "$tmp/out" ||
		bad "no register dump with rip=$ud2 and cs=0x10"
	# Long mode as ferry sets it up (docs/boot-protocol.md): CR0 PE MP ET
	# NE WP PG, CR3 the PML4 at 0x2000, CR4 PAE OSFXSR OSXMMEXCPT, EFER
	# LME LMA.
	grep -q '^ferry: error: vCPU 0: cr0=0x80010033 cr2=0x[0-9a-f]* cr3=0x2000 cr4=0x620 efer=0x500$' "$tmp/out" ||
		bad "no control-register dump with ferry's long-mode values"
fi
grep -q 'still running' "$tmp/out" && bad "the guest ran on after the fault"
[ $fail = 0 ] && echo PASS
exit $fail
