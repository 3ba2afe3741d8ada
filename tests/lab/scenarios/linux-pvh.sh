# SPDX-License-Identifier: MIT
# ferry boots Linux's vmlinux (extracted from the Debian bzImage, with its
# PVH entry note) through PVH on 1 and 2 vCPUs, each ended by reboot
# (status 0); the bzImage itself, decompressed on the host: without the
# kernel cache (decoded straight into guest RAM), then by default with an
# empty cache (stored), and again from the cache; a
# bzImage with a gzip payload whose vmlinux has no PVH note boots through
# the 64-bit boot protocol at the vmlinux's entry (lab.sh makes it).
# lab-timeout: 420
. "$LAB_REPO/tests/lab/lib.sh"
args="--initrd $LAB_L2_INITRD --memory 256M"
cmd="console=ttyS0 reboot=k panic=-1 lab.exit=reboot"
export XDG_CACHE_HOME=/tmp/ferry-cache
rm -rf "$XDG_CACHE_HOME"

check "vmlinux through PVH, 1 vCPU, reboot" 0 "FERRY-L2-INIT cpus=1 online=0 " \
	$FERRY run --kernel "$LAB_VMLINUX" $args --cpus 1 --cmdline "$cmd"
check "vmlinux through PVH, 2 vCPUs, reboot" 0 "FERRY-L2-INIT cpus=2 online=0-1 " \
	$FERRY run --kernel "$LAB_VMLINUX" $args --cpus 2 --cmdline "$cmd"
check "bzImage without the cache: its segments decoded into guest RAM, reboot" 0 \
	"xz payload, [0-9]+ bytes decompressed, the image's CRC-32 verified, its segments straight into guest RAM" \
	$FERRY run -vv --no-kernel-cache --kernel "$LAB_KERNEL" $args --cpus 1 --cmdline "$cmd"
check "bzImage decompressed on the host, empty cache (the default), 2 vCPUs" 0 \
	"FERRY-L2-INIT cpus=2 online=0-1 " \
	$FERRY run --kernel "$LAB_KERNEL" $args --cpus 2 --cmdline "$cmd"
check "the cache holds the decompressed kernel" 0 "^[0-9a-f]{64}\.vmlinux\$" \
	ls "$XDG_CACHE_HOME/ferry/kernels"
check "bzImage from the cache, 1 vCPU" 0 "xz payload, [0-9]+ bytes decompressed \(cached\)" \
	$FERRY run -vv --kernel "$LAB_KERNEL" $args --cpus 1 --cmdline "$cmd"
nopvh="$(dirname "$LAB_VMLINUX")/bzImage-gzip-nopvh"
# Status 99 if ferry did not say it took the 64-bit path.
check "gzip bzImage without a PVH note: vmlinux through the 64-bit entry" 0 \
	"FERRY-L2-INIT cpus=2 online=0-1 " sh -c '"$0" run -vv --kernel "$1" \
	--initrd "$2" --memory 256M --cpus 2 --cmdline "$3" >/tmp/nopvh.log 2>&1
	s=$?; cat /tmp/nopvh.log
	grep -q "Linux: vmlinux 64-bit, entry 0x1000000" /tmp/nopvh.log || s=99
	exit $s' "$FERRY" "$nopvh" "$LAB_L2_INITRD" "$cmd"
finish
