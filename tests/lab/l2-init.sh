#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of the L2 initramfs that ferry (and QEMU) boot inside L1: print a
# marker with what Linux found, and the ACPI tables it read with its ACPI
# complaints, then leave as lab.exit= says:
#   reboot (default): reboot -f: the reset Linux chooses (reboot=k: the
#     i8042 reset line; otherwise ACPI's reset register) (ferry: 0)
#   poweroff: poweroff -f, through ACPI S5 (ferry: 0)
#   port: write 0 to the debug-exit port 0xf4 (ferry: status 1)
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
how=reboot
nvme=
nvme_reset=
for w in $(cat /proc/cmdline); do
	case $w in
	lab.exit=*) how=${w#lab.exit=} ;;
	lab.nvme=*) nvme=${w#lab.nvme=} ;;
	lab.nvme_reset=*) nvme_reset=${w#lab.nvme_reset=} ;;
	esac
done
echo "FERRY-L2-INIT cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"online=$(cat /sys/devices/system/cpu/online)" \
	"uptime=$(cut -d' ' -f1 /proc/uptime)"
# ACPI: the tables Linux took (none with acpi=off) and every line where it
# found fault with them.
tables=
for t in /sys/firmware/acpi/tables/*; do
	[ -f "$t" ] && tables=${tables:+$tables,}${t##*/}
done
tables=${tables:-none}
dmesg | grep -E 'ACPI (BIOS )?(Error|Warning)|\[Firmware (Bug|Warn)\]|ACPI.*(failed|AE_[A-Z_]+)' |
	sed 's/^/FERRY-L2-ACPI-COMPLAINT: /'
echo "FERRY-L2-ACPI tables=$tables complaints=$(dmesg |
	grep -cE 'ACPI (BIOS )?(Error|Warning)|\[Firmware (Bug|Warn)\]|ACPI.*(failed|AE_[A-Z_]+)')"

now() { cut -d' ' -f1 /proc/uptime; }

# nvme_test TAG PATTERN: write MIB MiB of PATTERN to the passed-through
# NVMe disk with direct I/O, read it back, print both checksums and times.
nvme_test() {
	yes "$2" | head -c $((nvme * 1048576)) > /tmp/p
	t0=$(now)
	dd if=/tmp/p of=/dev/nvme0n1 bs=1M oflag=direct conv=fsync 2>/dev/null
	t1=$(now)
	dd if=/dev/nvme0n1 of=/tmp/r bs=1M count=$nvme iflag=direct 2>/dev/null
	t2=$(now)
	echo "$1 mib=$nvme wrote=$(sha256sum < /tmp/p | cut -c1-64)" \
		"read=$(sha256sum < /tmp/r | cut -c1-64) t0=$t0 t1=$t1 t2=$t2"
	rm -f /tmp/p /tmp/r
}

# lab.nvme=MIB: test the disk; lab.nvme_reset=1: then reset the
# controller from inside (PCIe function-level reset) and test it again.
if [ -n "$nvme" ]; then
	modprobe nvme
	i=0
	while [ ! -b /dev/nvme0n1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if [ -b /dev/nvme0n1 ]; then
		nvme_test NVME-RESULT ferry-nvme-pattern-0123456789abcdef
		if [ -n "$nvme_reset" ]; then
			for d in /sys/bus/pci/devices/*; do
				[ "$(cat "$d/class")" = 0x010802 ] && dev=$d
			done
			echo "reset method: $(cat "$dev/reset_method" 2>/dev/null)"
			if echo 1 > "$dev/reset"; then
				echo "NVME-RESET done"
				nvme_test NVME-RESULT2 after-reset-pattern-fedcba9876543210
			else
				echo "NVME-RESET failed"
			fi
		fi
	else
		echo "NVME-RESULT none: no /dev/nvme0n1"
	fi
fi

# Let the console drain (the tty writes from its buffer on UART
# interrupts) so that what the kernel prints on the way out does not cut
# the lines above.
sleep 1
case $how in
port) printf '\000' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null ;;
poweroff) poweroff -f ;;
*) reboot -f ;;
esac
sleep 10
echo "FERRY-L2-STUCK: still running after asking to exit"
