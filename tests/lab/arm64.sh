# SPDX-License-Identifier: MIT
# The arm64 lab, sourced by lab.sh for scenarios with "# lab-arch: arm64":
# L0 runs qemu-system-aarch64 (TCG, virt with EL2, GICv3 and an SMMUv3);
# L1 is Debian's arm64 kernel with KVM (built in) and VFIO; ferry (the
# static aarch64 build) runs in L1. L1's user space is an arm64 root made
# once from Debian's arm64 packages (busybox, and QEMU as the yardstick),
# shared over 9p as L1's "host" root in place of this machine's /.
ARM64_L1_MODULES="vfio-pci vfio_iommu_type1 9p 9pnet_virtio virtio_pci"
ARM64_L2_MODULES="nvme"
# Packages of the arm64 root, with their dependencies.
ARM64_ROOT_PACKAGES="busybox-static qemu-system-arm"

apt64() { "$REPO/scripts/apt-arm64.sh" "$CACHE/arm64/apt" "$@"; }

arm64_kernel_version() {
	local v
	v=$(apt64 apt-cache depends linux-image-arm64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\(.*-arm64\)$/\1/p' | head -n1)
	[ -n "$v" ] || die "cannot resolve linux-image-arm64 in the Debian archive"
	echo "$v"
}

# Download and unpack the arm64 kernel and busybox once.
arm64_fetch() {
	local kver=$1 dir=$CACHE/arm64/$1
	[ -f "$dir/.done" ] && return 0
	say "downloading linux-image-$kver-unsigned and busybox-static (arm64)"
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	(cd "$dir/deb" && apt64 apt-get download "linux-image-$kver-unsigned" busybox-static >/dev/null) ||
		die "download of the arm64 kernel failed"
	dpkg-deb -x "$dir"/deb/linux-image-*.deb "$dir/root"
	mkdir -p "$dir/busybox"
	dpkg-deb -x "$dir"/deb/busybox-static_*.deb "$dir/busybox"
	rm -rf "$dir/deb"
	depmod -b "$dir/root" "$kver"
	touch "$dir/.done"
}

# The arm64 root L1 chroots into: the packages and their dependencies
# unpacked, busybox's applets linked, mount points for the shares. Made
# once; the package list is its stamp.
arm64_root() {
	local root=$CACHE/arm64/root stamp debs a
	stamp=$(echo "$ARM64_ROOT_PACKAGES" | sha1sum | cut -c1-12)
	[ "$(cat "$root.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	say "building the arm64 root ($ARM64_ROOT_PACKAGES and dependencies)"
	debs=$CACHE/arm64/root-debs
	rm -rf "$root" "$debs"
	mkdir -p "$debs"
	# shellcheck disable=SC2086
	apt64 apt-get install -y --download-only --no-install-recommends \
		-o "Dir::Cache::Archives=$debs" $ARM64_ROOT_PACKAGES >/dev/null ||
		die "cannot download the arm64 root's packages"
	for a in "$debs"/*.deb; do
		dpkg-deb -x "$a" "$root"
	done
	rm -rf "$debs"
	# Debian 12 merges /bin, /sbin and /lib into /usr.
	for a in bin sbin lib; do
		[ -e "$root/$a" ] || ln -s "usr/$a" "$root/$a"
	done
	# busybox's applets, where Debian would put them (the host's busybox,
	# the same version, lists them).
	/bin/busybox --list-full | while read -r a; do
		[ -e "$root/$a" ] || { mkdir -p "$root/$(dirname "$a")"; ln -s /bin/busybox "$root/$a"; }
	done
	mkdir -p "$root"/{dev,proc,sys,tmp,run,root,etc}
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "$stamp" >"$root.stamp"
}

arm64_prepare() {
	need_packages qemu-system-arm busybox-static cpio kmod xz-utils
	KVER=$(arm64_kernel_version)
	arm64_fetch "$KVER"
	KROOT=$CACHE/arm64/$KVER/root
	BUSYBOX=$CACHE/arm64/$KVER/busybox/bin/busybox
	# shellcheck disable=SC2086
	build_initrd "$CACHE/arm64/l1.cpio.gz" "$LAB/l1-init.sh" "$KVER" $ARM64_L1_MODULES
	# shellcheck disable=SC2086
	build_initrd "$CACHE/arm64/l2.cpio.gz" "$LAB/l2-init.sh" "$KVER" $ARM64_L2_MODULES
	arm64_root
	HOST_ROOT=$CACHE/arm64/root
	L2_INITRD=$CACHE/arm64/l2.cpio.gz
	LAB_KERNEL_PATH=$KROOT/boot/vmlinuz-$KVER
}

# qemu_l1_arm64 ACCEL MEM APPEND CONSOLE-ARGS...: L0's command for an
# arm64 L1. pauth-impdef=on: architected pointer authentication is 3x
# slower under TCG (lab-notes). Devices as on x86: edu (with a ROM), a
# second edu, nvme. edu's DMA engine keeps 28 address bits by default
# (QEMU clamps the rest away): on x86 guest RAM is low, but ferry's arm64
# guests have RAM from 2 GiB, so the edus take any address.
qemu_l1_arm64() {
	local accel=$1 mem=$2 append=$3
	shift 3
	# shellcheck disable=SC2054 # commas inside QEMU's option values
	QEMU_CMD=(qemu-system-aarch64
		-accel "$accel" -machine virt,virtualization=on,gic-version=3,iommu=smmuv3
		-cpu max,pauth-impdef=on -m "$mem" -smp 2 -no-reboot -net none "$@"
		-kernel "$LAB_KERNEL_PATH" -initrd "$CACHE/arm64/l1.cpio.gz"
		-append "console=ttyAMA0 panic=-1 quiet $append"
		-device edu,romfile="$CACHE/edu-rom.bin",dma_mask=0xffffffffffffffff
		-device edu,dma_mask=0xffffffffffffffff
		-drive file="$CACHE/nvme.img",if=none,id=nv0,format=raw
		-device nvme,serial=lab,drive=nv0
		"${VIRTFS[@]}")
}
