# SPDX-License-Identifier: MIT
# ferry boots the Debian kernel with a busybox initramfs on 1 and 2 vCPUs
# (all online), ending by reboot (i8042), by the debug-exit port and by
# SIGTERM (where each vCPU was, -v); QEMU
# boots the same kernel and initramfs in the same L1 run.
# lab-timeout: 480
. "$LAB_REPO/tests/lab/lib.sh"
args="--kernel $LAB_KERNEL --initrd $LAB_L2_INITRD --memory 256M"
cmd="console=ttyS0 reboot=k panic=-1"

check "ferry, 1 vCPU, reboot" 0 "FERRY-L2-INIT cpus=1 online=0 " \
	$FERRY run $args --cpus 1 --cmdline "$cmd lab.exit=reboot"
check "ferry, 2 vCPUs, debug-exit port" 1 "FERRY-L2-INIT cpus=2 online=0-1 " \
	$FERRY run $args --cpus 2 --cmdline "$cmd lab.exit=port"
# Stopped from outside while idle (init is busybox sleep): status 12, and
# -v says where each vCPU was, from real KVM: in the kernel's text, 64-bit
# ring 0, at least one halted with interrupts on (the idle loop).
where='when stopped: (halted \(waiting for an interrupt\)|running), rip=0xffffffff[0-9a-f]+ cs=0x10, 64-bit, ring 0, interrupts (on|off)$'
check_each "ferry, 2 vCPUs idle, SIGTERM: status 12, where each vCPU was" 12 "^ferry: info: vCPU 0 $where
^ferry: info: vCPU 1 $where
when stopped: halted \(waiting for an interrupt\), .*interrupts on$" \
	sh "$LAB_REPO/tests/lab/tools/stop-when.sh" "Run /bin/busybox as init process" 2 \
	$FERRY run -v $args --cpus 2 --cmdline "$cmd rdinit=/bin/busybox -- sleep 600"
check "QEMU (pc), 2 vCPUs, same kernel and initramfs" 0 "FERRY-L2-INIT cpus=2 online=0-1 " \
	qemu-system-x86_64 -accel kvm -cpu qemu64 -M pc -m 256M -smp 2 \
	-nographic -no-reboot -net none -kernel "$LAB_KERNEL" \
	-initrd "$LAB_L2_INITRD" -append "$cmd lab.exit=reboot"
finish
