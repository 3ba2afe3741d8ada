# SPDX-License-Identifier: MIT
# ferry (aarch64) boots Debian's arm64 kernel Image with a busybox
# initramfs on 1 and 2 vCPUs (secondaries through PSCI CPU_ON, all online),
# ending by PSCI SYSTEM_RESET and by the debug-exit device; QEMU -M virt
# boots the same kernel and initramfs in the same L1.
# lab-arch: arm64
# lab-timeout: 360
. "$LAB_REPO/tests/lab/lib.sh"
args="--kernel $LAB_KERNEL --initrd $LAB_L2_INITRD --memory 256M"
cmd="console=ttyS0 quiet panic=-1"

check "ferry, 1 vCPU, PSCI reset" 0 "FERRY-L2-INIT cpus=1 online=0 " \
	$FERRY run $args --cpus 1 --cmdline "$cmd lab.exit=reboot"
check "ferry, 2 vCPUs, debug-exit device" 1 "FERRY-L2-INIT cpus=2 online=0-1 " \
	$FERRY run $args --cpus 2 --cmdline "$cmd lab.exit=port"
check "ferry: the PL031 gives Linux the time" 0 "rtc-pl031 [^ ]+: registered as rtc0" \
	$FERRY run $args --cpus 1 --cmdline "console=ttyS0 panic=-1 lab.exit=reboot"
check "QEMU (virt), 2 vCPUs, same kernel and initramfs" 0 "FERRY-L2-INIT cpus=2 online=0-1 " \
	qemu-system-aarch64 -accel kvm -M virt,gic-version=3 -cpu host -m 256M -smp 2 \
	-nographic -no-reboot -net none -kernel "$LAB_KERNEL" \
	-initrd "$LAB_L2_INITRD" -append "console=ttyAMA0 quiet panic=-1 lab.exit=reboot"
finish
