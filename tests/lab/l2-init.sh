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
for w in $(cat /proc/cmdline); do
	case $w in lab.exit=*) how=${w#lab.exit=} ;; esac
done
echo "FERRY-L2-INIT cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"online=$(cat /sys/devices/system/cpu/online)" \
	"uptime=$(cut -d' ' -f1 /proc/uptime)"
case $how in
port) printf '\000' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null ;;
*) reboot -f ;;
esac
sleep 10
echo "FERRY-L2-STUCK: still running after asking to exit"
