# SPDX-License-Identifier: MIT
# The yardstick: QEMU passes the same NVMe controller through iommufd
# (-object iommufd; QEMU 10.0 from bookworm-backports, lab.sh
# fetch_qemu_bpo) in the same L1, and its Linux guest's data reaches the
# disk as with ferry (vfio-iommufd-nvme). QEMU must have bound the
# device's cdev to /dev/iommu, not the group: checked in /proc while it
# runs.
# lab-kernel: iommufd
# lab-timeout: 300
. "$LAB_REPO/tests/lab/lib.sh"
NVME=$(pci_find 1b36 0010 1) || { echo "FAIL: no nvme device"; exit 1; }
bind_vfio "$NVME" || { echo "FAIL: cannot bind $NVME to vfio-pci"; exit 1; }
[ -x "$LAB_QEMU_BPO" ] || { echo "FAIL: no QEMU from bookworm-backports ($LAB_QEMU_BPO)"; exit 1; }
check "QEMU from bookworm-backports knows -object iommufd" 0 "iommufd" \
	"$LAB_QEMU_BPO" -object help
mib=8
out=$(mktemp)
timeout -k 5 220 "$LAB_QEMU_BPO" -accel kvm -cpu qemu64 -M pc -m 256M -smp 1 \
	-nographic -no-reboot -net none -kernel "$LAB_KERNEL" -initrd "$LAB_L2_INITRD" \
	-append "console=ttyS0 quiet reboot=k panic=-1 lab.nvme=$mib lab.exit=port" \
	-object iommufd,id=ifd0 -device vfio-pci,host=$NVME,iommufd=ifd0 \
	-device isa-debug-exit,iobase=0xf4,iosize=4 </dev/null >"$out" 2>&1 &
qpid=$!
fds=
for i in $(seq 1 60); do
	sleep 1
	q=$(pgrep -f "qemu-system-x86_64 -L" | head -n1)
	[ -n "$q" ] && fds=$(ls -l "/proc/$q/fd" 2>/dev/null | grep -o '/dev/iommu\|/dev/vfio/[^ ]*' | sort -u | tr '\n' ' ')
	case $fds in *"/dev/iommu"*"/dev/vfio/devices/"*) break ;; esac
done
wait $qpid
status=$?
grep -E "NVME-|qemu-system" "$out" | sed 's/^/    | /'
case $fds in
*"/dev/iommu"*"/dev/vfio/devices/vfio"*) echo "PASS: QEMU held $fds(iommufd and the cdev)" ;;
*) echo "FAIL: QEMU's descriptors: '$fds' (no /dev/iommu and cdev)"; LAB_FAILED=1 ;;
esac
result=$(grep "NVME-RESULT " "$out")
wrote=$(echo "$result" | sed -n 's/.*wrote=\([0-9a-f]*\).*/\1/p')
read=$(echo "$result" | sed -n 's/.* read=\([0-9a-f]*\).*/\1/p')
disk=$(head -c $((mib * 1048576)) "$LAB_CACHE/nvme.img" | sha256sum | cut -c1-64)
if [ "$status" = 1 ] && [ -n "$wrote" ] && [ "$wrote" = "$read" ] && [ "$wrote" = "$disk" ]; then
	echo "PASS: QEMU's guest read back what it wrote, and the image holds it ($wrote)"
else
	echo "FAIL: QEMU status $status, wrote '$wrote', read '$read', image '$disk'"
	tail -30 "$out" | sed 's/^/    | /'
	LAB_FAILED=1
fi
rm -f "$out"
finish
