#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of the L2 initramfs that ferry (and QEMU) boot inside L1: print a
# marker with what Linux found, then leave as lab.exit= says:
#   reboot (default): reboot -f, through the i8042 reset line (ferry: 0)
#   port: write 0 to the debug-exit port 0xf4 (ferry: status 1)
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
how=reboot
nvme=
for w in $(cat /proc/cmdline); do
	case $w in
	lab.exit=*) how=${w#lab.exit=} ;;
	lab.nvme=*) nvme=${w#lab.nvme=} ;;
	esac
done
echo "FERRY-L2-INIT cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"online=$(cat /sys/devices/system/cpu/online)" \
	"uptime=$(cut -d' ' -f1 /proc/uptime)"

now() { cut -d' ' -f1 /proc/uptime; }

# lab.nvme=MIB: write MIB MiB of a pattern to the passed-through NVMe
# disk with direct I/O, read it back, print both checksums and timings.
if [ -n "$nvme" ]; then
	modprobe nvme
	i=0
	while [ ! -b /dev/nvme0n1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if [ -b /dev/nvme0n1 ]; then
		yes ferry-nvme-pattern-0123456789abcdef | head -c $((nvme * 1048576)) > /tmp/p
		t0=$(now)
		dd if=/tmp/p of=/dev/nvme0n1 bs=1M oflag=direct conv=fsync 2>/dev/null
		t1=$(now)
		dd if=/dev/nvme0n1 of=/tmp/r bs=1M count=$nvme iflag=direct 2>/dev/null
		t2=$(now)
		echo "NVME-RESULT mib=$nvme wrote=$(sha256sum < /tmp/p | cut -c1-64)" \
			"read=$(sha256sum < /tmp/r | cut -c1-64) t0=$t0 t1=$t1 t2=$t2"
		rm -f /tmp/p /tmp/r
	else
		echo "NVME-RESULT none: no /dev/nvme0n1"
	fi
fi
case $how in
port) printf '\000' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null ;;
*) reboot -f ;;
esac
sleep 10
echo "FERRY-L2-STUCK: still running after asking to exit"
