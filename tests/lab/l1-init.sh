#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the lab's L1 initramfs: load KVM and VFIO, share the host's root
# and the run's shares over 9p, then do what the run directory's config
# says (tests/lab/lab.sh): run scenarios, one command, or a shell.
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm

# Messages of this script: the console, or the run's l1.log in exec mode.
log=/dev/console
# The serial port behind the console: the 16550's on x86 (q35), the
# PL011's on arm64 (virt).
tty=/dev/ttyS0
[ -e /sys/class/tty/ttyAMA0 ] && tty=/dev/ttyAMA0

# The modules lab.sh put in this initramfs (KVM, VFIO, 9p: x86 or arm64;
# fewer for the lab's own kernels, which build most in).
read -r modules </etc/lab-modules
for m in $modules; do
	modprobe "$m" 2>/dev/null || echo "LAB: cannot load module $m"
done

p9() { mount -t 9p -o "trans=virtio,version=9p2000.L,msize=262144,$3" "$1" "$2"; }

if ! p9 run /lab rw || ! . /lab/config; then
	echo "LAB: no run directory from the host; stopping"
	poweroff -f
fi
[ "$LAB_MODE" = exec ] && log=/lab/l1.log
exec 3>>"$log"
# L1's kernel messages, whatever the console shows: for post-mortems.
cat /proc/kmsg >/lab/kmsg.log 2>/dev/null &

p9 host /host ro || echo "LAB: cannot mount the host share" >&3
mount -t tmpfs tmp /host/tmp
mount -t tmpfs run /host/run
mount -o rbind /dev /host/dev
mount -o bind /proc /host/proc
mount -o bind /sys /host/sys
# Each share at its own path, also where L1 has a tmpfs of its own.
for s in $LAB_SHARES; do
	tag=${s%%:*} dir=${s#*:}
	mkdir -p "/host$dir" 2>/dev/null
	p9 "$tag" "/host$dir" rw || echo "LAB: cannot mount $dir" >&3
done
mkdir -p "/host$LAB_RUN" 2>/dev/null
mount -o bind /lab "/host$LAB_RUN" || echo "LAB: cannot mount the run directory" >&3

# XDG_CACHE_HOME: ferry's kernel cache (on by default) in L1's own /tmp,
# empty at each L1 boot: never L0's home, whose state a fresh machine
# would not have.
in_host() {
	chroot /host /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		XDG_CACHE_HOME=/tmp/l1-cache \
		TERM="${LAB_TERM:-linux}" \
		LAB_REPO="$LAB_REPO" LAB_BUILD="$LAB_BUILD" LAB_CACHE="$LAB_CACHE" \
		LAB_RUN="$LAB_RUN" LAB_KERNEL="$LAB_KERNEL" \
		LAB_L2_INITRD="$LAB_L2_INITRD" LAB_VMLINUX="$LAB_VMLINUX" \
		FERRY="$LAB_BUILD/ferry" \
		LAB_L2_MDEV_INITRD="$LAB_L2_MDEV_INITRD" LAB_MDEV_DIR="$LAB_MDEV_DIR" \
		LAB_CLOUD_KERNEL="$LAB_CLOUD_KERNEL" \
		LAB_VIOMMU_KERNEL="$LAB_VIOMMU_KERNEL" \
		LAB_L2_VIOMMU_INITRD="$LAB_L2_VIOMMU_INITRD" \
		LAB_L1_KERNEL="$LAB_L1_KERNEL" LAB_QEMU_BPO="$LAB_QEMU_BPO" \
		LAB_BENCH_RUNS="$LAB_BENCH_RUNS" LAB_L0_MTTCG="$LAB_L0_MTTCG" "$@"
}

case $LAB_MODE in
shell)
	echo "LAB: shell; the host is at /host (chroot /host /bin/bash)"
	setsid sh -c "exec sh <$tty >$tty 2>&1"
	;;
exec)
	# The console is the user's terminal. Interactive: the command reads
	# it and sets the modes it wants. Otherwise: raw bytes out, no input.
	if [ "$LAB_INTERACTIVE" = 1 ]; then
		# shellcheck disable=SC2094 # a terminal, both ways
		in_host /bin/sh "$LAB_RUN/cmd.sh" <"$tty" >"$tty" 2>&1
		echo $? >/lab/status.tmp
	else
		# Output to a file the host shows as it grows: as on the host,
		# not a terminal.
		in_host /bin/sh "$LAB_RUN/cmd.sh" </dev/null >/lab/output.log 2>&1
		echo $? >/lab/status.tmp
	fi
	mv /lab/status.tmp /lab/status
	;;
run)
	dir=/lab/attempt-$LAB_ATTEMPT
	mkdir -p "$dir"
	# A heartbeat on the console every 10 s: when it stops, L1's kernel
	# stopped running user space (lab.sh: "L1 froze"), which no hang of a
	# scenario's process can do; those end at the scenario's budget.
	( while :; do echo "LAB-HEARTBEAT $(cut -d' ' -f1 /proc/uptime)" >/dev/console
		sleep 10; done ) &
	# Everything goes to output.log, which the host shows as it grows,
	# and each scenario's part to its own log as well.
	exec >>"$dir/output.log" 2>&1
	# scenario NAME BUDGET: run it once, its output appended to its log,
	# its status in NAME.status. coreutils timeout signals the scenario's
	# whole process group, so nothing it started outlives its budget.
	scenario() {
		{
			in_host timeout -k 10 "$2" /bin/sh \
				"$LAB_REPO/tests/lab/scenarios/$1.sh" </dev/null
			echo $? >"$dir/$1.status.tmp"
			mv "$dir/$1.status.tmp" "$dir/$1.status"
		} 2>&1 | tee -a "$dir/$1.log"
	}
	# l0_broke_l2 LOG: did ferry's L2 triple-fault in this log while L0
	# runs multi-threaded TCG? Its nested SVM does that to L2 now and then
	# (docs/lab.md: 8 of 12 bar-race runs, 0 of 12 on one thread; about
	# one Linux boot in 200, one 4-vCPU boot in 25), so such a failure is
	# not yet ferry's. lib.sh's checks have already run the command that
	# saw it twice more; this covers what a scenario runs by hand.
	l0_broke_l2() {
		[ "$LAB_L0_MTTCG" = 1 ] || return 1
		# Not in a command's superseded run (lib.sh: "    ~ " lines).
		grep -a 'ferry: error: vCPU [0-9]*: the guest triple-faulted' "$1" |
			grep -qv '^    ~ '
	}
	for s in $LAB_SCENARIOS; do
		eval "budget=\$LAB_BUDGET_$(echo "$s" | tr -c 'A-Za-z0-9\n' _)"
		echo "LAB-BEGIN $s (budget ${budget}s)"
		t0=$(cut -d. -f1 /proc/uptime)
		: >"$dir/$s.log"
		scenario "$s" "$budget"
		if [ "$(cat "$dir/$s.status" 2>/dev/null)" != 0 ] &&
			l0_broke_l2 "$dir/$s.log"; then
			echo "LAB-RERUN $s: an L2 triple-faulted with L0 on multi-threaded TCG (docs/lab.md); running $s once more, its second result is final"
			scenario "$s" "$budget"
		fi
		# Its wall time too (L1's clock runs at L0's pace): CI budgets.
		echo "LAB-RESULT $s $(cat "$dir/$s.status" 2>/dev/null)" \
			"($(($(cut -d. -f1 /proc/uptime) - t0)) s)"
	done
	# L1's TSC as KVM saw it (lab.sh use_l1_kernel): the quick and the
	# refined calibration, KVM's tolerance, and how often KVM could not
	# give a guest the TSC rate it took for the host's.
	echo "LAB-TSC early=$(dmesg | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | head -n1)" \
		"refined=$(dmesg | sed -n 's/.*Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' | head -n1)" \
		"tolerance-ppm=$(cat /sys/module/kvm/parameters/tsc_tolerance_ppm 2>/dev/null)" \
		"rate-refused=$(dmesg | grep -c 'TSC rate below hardware speed')"
	;;
esac
echo "LAB-DONE" >&3
sync
poweroff -f
