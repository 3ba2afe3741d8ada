#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of the L2 initramfs that ferry (and QEMU) boot inside L1: print a
# marker with what Linux found, and the ACPI tables it read with its ACPI
# complaints, then leave as lab.exit= says:
#   reboot (default): reboot -f: the reset Linux chooses (x86: reboot=k:
#     the i8042 reset line; otherwise ACPI's reset register; arm64: PSCI
#     SYSTEM_RESET) (ferry: 0)
#   poweroff: poweroff -f, through ACPI S5 or PSCI SYSTEM_OFF (ferry: 0)
#   port: write 0 to the debug-exit device (ferry: status 1): port 0xf4
#         on x86, MMIO 0x01020000 on ferry's arm64 board
#   wait: (with lab.pindma=inflight) wait to be stopped from outside
# lab.nvme=MIB (lab.mapbench=N4:N2 first), lab.mtty=1, lab.bochs=1, lab.pindma=copy|inflight exercise
# passed-through devices; lab.viommu=1 loads the virtio-iommu driver first
# and reports what Linux made of it. lab.dmesg=1 prints the kernel's log
# before leaving: with quiet, a boot's messages (initcall_debug's too)
# cost no console exits while it runs and are still seen.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
how=reboot
nvme=
nvme_reset=
nvme_tag=
mapbench=
mtty=
bochs=
pindma=
viommu=
dmesg=
for w in $(cat /proc/cmdline); do
	case $w in
	lab.exit=*) how=${w#lab.exit=} ;;
	lab.nvme=*) nvme=${w#lab.nvme=} ;;
	lab.nvme_reset=*) nvme_reset=${w#lab.nvme_reset=} ;;
	lab.nvme_tag=*) nvme_tag=${w#lab.nvme_tag=} ;;
	lab.mapbench=*) mapbench=${w#lab.mapbench=} ;;
	lab.mtty=*) mtty=${w#lab.mtty=} ;;
	lab.bochs=*) bochs=${w#lab.bochs=} ;;
	lab.pindma=*) pindma=${w#lab.pindma=} ;;
	lab.viommu=*) viommu=${w#lab.viommu=} ;;
	lab.dmesg=*) dmesg=${w#lab.dmesg=} ;;
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

# map_bench N4 N2: (lab.mapbench=N4:N2, before the disk test) N4 direct
# reads of 4 KiB and N2 of 2 MiB from the disk, timed. Behind a vIOMMU
# with iommu.strict=1 (group type DMA) Linux maps each read's buffer
# before it and unmaps it when it completes: a 4 KiB read is one MAP and
# one UNMAP, a 2 MiB one a MAP per physically contiguous piece and an
# UNMAP per NVMe command. Then the group goes to DMA-FQ (Linux allows
# that change while the driver is bound), so that the disk test after it
# runs with the flush queue as without lab.mapbench.
map_bench() {
	d="" g="" type=none fq=none
	for x in /sys/bus/pci/devices/*; do
		[ "$(cat "$x/class")" = 0x010802 ] && d=$x
	done
	if [ -e "$d/iommu_group" ]; then
		g=/sys/kernel/iommu_groups/$(basename "$(readlink "$d/iommu_group")")/type
		type=$(cat "$g")
	fi
	t0=$(now)
	dd if=/dev/nvme0n1 of=/dev/null bs=4k count="$1" iflag=direct 2>/dev/null
	t1=$(now)
	dd if=/dev/nvme0n1 of=/dev/null bs=2M count="$2" iflag=direct 2>/dev/null
	t2=$(now)
	if [ -n "$g" ]; then
		[ "$type" = DMA ] && echo DMA-FQ >"$g"
		fq=$(cat "$g")
	fi
	echo "MAPBENCH n4k=$1 n2m=$2 t0=$t0 t1=$t1 t2=$t2 type=$type after=$fq"
}

# lab.viommu=1: the virtio-iommu driver (a module in 6.12), loaded before
# the NVMe driver, whose probe waits for it (VIOT names it as the NVMe's
# IOMMU). Then the driver, the IOMMUs, and each device behind one: its
# group, the group's domain type (DMA, DMA-FQ, identity) and reserved
# regions (from PROBE), and the kernel's lines about it.
viommu_report() {
	bound=
	for v in /sys/bus/virtio/drivers/virtio_iommu/virtio*; do
		[ -e "$v" ] && bound="$bound ${v##*/}"
	done
	echo "VIOMMU-DRIVER bound=${bound# }" \
		"iommus=$(ls /sys/class/iommu 2>/dev/null | tr '\n' ' ')"
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/iommu_group" ] || continue
		g=$(basename "$(readlink "$d/iommu_group")")
		echo "VIOMMU-GROUP dev=${d##*/} class=$(cat "$d/class") group=$g" \
			"type=$(cat "/sys/kernel/iommu_groups/$g/type")" \
			"iommu=$(basename "$(readlink "$d/iommu")")" \
			"driver=$(basename "$(readlink "$d/driver" 2>/dev/null)")"
		sed "s/^/VIOMMU-RESV group=$g /" "/sys/kernel/iommu_groups/$g/reserved_regions"
	done
	dmesg | grep -iE 'virtio_iommu|viot|iommu|DMAR|nvme' | sed 's/^/VIOMMU-LOG /'
}
if [ -n "$viommu" ]; then
	modprobe virtio_iommu || echo "VIOMMU-DRIVER cannot load virtio_iommu"
fi

# lab.nvme=MIB: test the disk (lab.nvme_tag=T: T ends its pattern); lab.nvme_reset=1: then reset the
# controller from inside (PCIe function-level reset) and test it again.
if [ -n "$nvme" ]; then
	modprobe nvme
	i=0
	while [ ! -b /dev/nvme0n1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if [ -b /dev/nvme0n1 ]; then
		[ -n "$mapbench" ] && map_bench "${mapbench%:*}" "${mapbench#*:}"
		nvme_test NVME-RESULT "ferry-nvme-pattern-0123456789abcdef$nvme_tag"
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

[ -n "$viommu" ] && viommu_report

# pci_dev VENDOR DEVICE: the sysfs directory of the last such function.
pci_dev() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = "0x$1" ] && [ "$(cat "$d/device")" = "0x$2" ] &&
			echo "$d"
	done | tail -n1
}

# lab.mtty=1: the mediated serial card (mtty, PCI 4348:3253, which Linux's
# 8250_pci drives): its ports, then on each a write read back (mtty loops
# what is sent to what is received).
if [ -n "$mtty" ]; then
	d=$(pci_dev 4348 3253)
	if [ -z "$d" ]; then
		echo "MTTY-RESULT none: no PCI device 4348:3253"
	else
		ports=$(ls "$d/tty" 2>/dev/null | tr '\n' ' ')
		echo "MTTY-PORTS ${ports:-none}"
		for t in $ports; do
			# Bounded: a port whose interrupts never come would
			# block the write until its drain timeout.
			timeout 3 stty -F "/dev/$t" raw -echo 115200
			cat "/dev/$t" >"/tmp/$t.in" &
			pid=$!
			sleep 0.3
			timeout 3 sh -c "printf 'ferry-%s' $t >/dev/$t"
			sleep 1
			kill $pid
			echo "MTTY-LOOP $t sent=ferry-$t got=$(cat "/tmp/$t.in")"
		done
	fi
fi

# lab.bochs=1: the mediated display (mbochs, 1234:1111) found by Linux's
# bochs DRM driver.
if [ -n "$bochs" ]; then
	d=$(pci_dev 1234 1111)
	modprobe bochs
	echo "BOCHS-RESULT dev=${d:-none} driver=$(basename "$(readlink "$d/driver" 2>/dev/null)")" \
		"drm=$(ls /sys/class/drm 2>/dev/null | tr '\n' ' ')"
	dmesg | grep -i -m3 'bochs' | sed 's/^/BOCHS-LOG /'
fi

# lab.pindma=MODE: the lab's pinning DMA engine (tests/lab/mdev-pin,
# PCI 1234:9d0a), driven with devmem from RAM the kernel leaves alone
# (memmap=2M$128M on the command line): 64 pages at 128 MiB copied to
# 129 MiB. copy: wait for the copy and compare; inflight: start a copy
# that holds its pages for a minute, say so, and go on (to be stopped).
if [ -n "$pindma" ]; then
	d=$(pci_dev 1234 9d0a)
	bar=$(head -n1 "$d/resource" 2>/dev/null | cut -d' ' -f1)
	pr() { devmem $((bar + $1)) 32; }
	pw() { devmem $((bar + $1)) 32 "$2"; }
	src=$((0x8000000)) dst=$((0x8100000)) len=$((64 * 4096))
	yes ferry-pindma-pattern | head -c $len >/tmp/p
	dd if=/tmp/p of=/dev/mem bs=4096 seek=$((src / 4096)) conv=notrunc 2>/dev/null
	dd if=/dev/zero of=/dev/mem bs=4096 seek=$((dst / 4096)) count=64 conv=notrunc 2>/dev/null
	echo "PINDMA-ID $(pr 0)"
	pw 0x08 $src; pw 0x0c 0; pw 0x10 $dst; pw 0x14 0; pw 0x18 $len
	if [ "$pindma" = inflight ]; then
		pw 0x1c 60000
		pw 0x20 1
		# Said once the worker holds both sides (PINNED, 0x4c: 128).
		i=0
		while [ $(($(pr 0x4c))) -lt 128 ] && [ "$(pr 0x24)" = 0x00000001 ] &&
			[ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		echo "PINDMA-INFLIGHT status=$(pr 0x24) pinned=$(($(pr 0x4c)))"
		sleep 2 # long enough to be seen holding its pages
	else
		pw 0x1c 0
		pw 0x20 1
		i=0
		while [ "$(pr 0x24)" = 0x00000001 ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		echo "PINDMA-COPY status=$(pr 0x24) error=$(pr 0x28)" \
			"src=$(sha256sum </tmp/p | cut -c1-16)" \
			"dst=$(dd if=/dev/mem bs=4096 skip=$((dst / 4096)) count=64 2>/dev/null | sha256sum | cut -c1-16)"
	fi
fi
[ "$pindma" = inflight ] && [ "$how" = wait ] && sleep 600
[ "$dmesg" = 1 ] && dmesg

# Let the console drain (the tty writes from its buffer on UART
# interrupts) so that what the kernel prints on the way out does not cut
# the lines above.
sleep 1
case $how in
port)
	# arm64 kernels have /dev/port too (PCI I/O space): decide by arch
	case $(uname -m) in
	aarch64) devmem 0x01020000 32 0 ;;
	*) printf '\000' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null ;;
	esac
	;;
poweroff) poweroff -f ;;
*) reboot -f ;;
esac
sleep 10
echo "FERRY-L2-STUCK: still running after asking to exit"
