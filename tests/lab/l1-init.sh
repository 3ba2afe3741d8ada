#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the lab's L1 initramfs: load KVM and VFIO, share the host's root
# over 9p, then run each scenario chrooted into it and print its result.
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

for w in $(cat /proc/cmdline); do
	case $w in
	lab.*=*) k=${w%%=*}; k=${k#lab.}; eval "lab_$k=\${w#*=}" ;;
	esac
done

for m in kvm-amd vfio-pci vfio_iommu_type1 mdev 9p 9pnet_virtio virtio_pci; do
	modprobe "$m" 2>/dev/null || echo "LAB: cannot load module $m"
done

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 host /host ||
	echo "LAB: cannot mount the host share"
mount -t tmpfs tmp /host/tmp
mount -t tmpfs run /host/run
mount -o bind /dev /host/dev
mount -o bind /proc /host/proc
mount -o bind /sys /host/sys

if [ "$lab_scenarios" = shell ]; then
	echo "LAB: shell; the host is at /host (chroot /host /bin/bash)"
	setsid sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1'
	poweroff -f
fi

for s in $(echo "$lab_scenarios" | tr , ' '); do
	echo "LAB-BEGIN $s"
	chroot /host /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LAB_REPO="$lab_repo" LAB_BUILD="$lab_build" LAB_CACHE="$lab_cache" \
		LAB_KERNEL="$lab_kernel" LAB_L2_INITRD="$lab_l2initrd" \
		FERRY="$lab_build/ferry" LAB_BENCH_RUNS="$lab_benchruns" \
		/bin/sh "$lab_repo/tests/lab/scenarios/$s.sh"
	echo "LAB-RESULT $s $?"
done
echo "LAB-DONE"
poweroff -f
