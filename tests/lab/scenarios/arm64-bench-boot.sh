# SPDX-License-Identifier: MIT
# Benchmark (not a test): Linux boot to init in the arm64 L1, ferry vs
# QEMU -M virt, the same kernel and initramfs, LAB_BENCH_RUNS (default 5)
# runs each, interleaved (ferry, QEMU, ferry, ...) so noise hits both
# alike; medians, the ratio, and peak RSS. Run with bench/lab-boot --arm64.
# (busybox only in the arm64 root: times from /proc/uptime, 10 ms steps.)
# lab-arch: arm64
# lab-timeout: 3600
runs=${LAB_BENCH_RUNS:-5}
tmp=$(mktemp -d)
cmd="console=ttyS0 quiet panic=-1 lab.exit=port"

now() { cut -d' ' -f1 /proc/uptime; }

# boot NAME CMD...: seconds from exec to the init marker, and peak RSS
# (KiB), appended to $tmp/NAME.t and $tmp/NAME.rss.
boot() {
	name=$1
	shift
	rm -f "$tmp/seen"
	t0=$(now)
	time -f %M -o "$tmp/rss" "$@" </dev/null 2>&1 | while IFS= read -r l; do
		case $l in
		*FERRY-L2-INIT*) [ -e "$tmp/seen" ] || now >"$tmp/seen" ;;
		esac
	done
	if [ ! -s "$tmp/seen" ]; then
		echo "no init marker from $name"
		exit 1
	fi
	awk -v a="$t0" -v b="$(cat "$tmp/seen")" 'BEGIN { printf "%.2f\n", b - a }' >>"$tmp/$name.t"
	tail -n1 "$tmp/rss" >>"$tmp/$name.rss"
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
peak() { sort -n "$1" | tail -n1; }

i=0
while [ $i -lt "$runs" ]; do
	boot ferry "$FERRY" run --kernel "$LAB_KERNEL" --initrd "$LAB_L2_INITRD" \
		--memory 256M --cpus 1 --cmdline "$cmd"
	boot qemu-virt qemu-system-aarch64 -accel kvm -M virt,gic-version=3 \
		-cpu host -m 256M -smp 1 -nographic -no-reboot -net none \
		-kernel "$LAB_KERNEL" -initrd "$LAB_L2_INITRD" \
		-append "console=ttyAMA0 quiet panic=-1 lab.exit=reboot"
	i=$((i + 1))
done
base=$(median "$tmp/ferry.t")
printf '%-18s %12s %12s %14s\n' VMM 'median (s)' 'vs ferry' 'peak RSS (MiB)'
for n in ferry qemu-virt; do
	m=$(median "$tmp/$n.t")
	awk -v n="$n" -v m="$m" -v b="$base" -v r="$(peak "$tmp/$n.rss")" \
		'BEGIN { printf "%-18s %12.2f %12.2f %14.1f\n", n, m, m / b, r / 1024 }'
done
echo "runs: $runs each, interleaved; all times: ferry $(tr '\n' ' ' <"$tmp/ferry.t")| qemu-virt $(tr '\n' ' ' <"$tmp/qemu-virt.t")"
rm -rf "$tmp"
