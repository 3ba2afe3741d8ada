# SPDX-License-Identifier: MIT
# With real KVM: a memory slot whose backing is gone makes KVM_RUN fail
# with EFAULT; ferry's vCPU loop recovers through its hook (VFIO uses it
# when the kernel revokes a BAR mapping) and the VM ends normally.
. "$LAB_REPO/tests/lab/lib.sh"
check "EFAULT from KVM_RUN is recovered, the VM ends normally" 0 \
	"ok 2 - the recovery hook ran once" \
	"$LAB_BUILD/tests/kvm/test_efault" "$LAB_BUILD/guest/exits.elf"
finish
