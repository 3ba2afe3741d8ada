#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Linux boot time to the L2 init marker, ferry vs QEMU, inside the lab.

Runs in L1 (tests/lab/scenarios/bench-boot.sh). Each VMM boots the same
initramfs, with the Debian bzImage or the vmlinux inside it; runs are
interleaved (one of each, then again) so noise hits all alike. Prints
medians, ratios to QEMU -M pc with the bzImage, and peak RSS per row.

ferry rows: the bzImage decompressed on the host each time
(--no-kernel-cache: cold), the first boot with the kernel cache (ferry's
default; the cache emptied before each: it decodes and stores), the
boots after it (the cache is filled once before the timed runs: what a
loop booting one kernel gets), the cold boot with acpi=off (Linux reads
the MP table instead of ACPI: what ACPI costs), and the vmlinux through
PVH. QEMU boots both
images on -M pc and -M microvm (a vmlinux through its PVH note). A boot
that has not ended after BOOT_LIMIT seconds is killed, said on its own
line and left out of the medians; each boot's time is printed as it ends.
"""
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

RUNS = int(os.environ.get('LAB_BENCH_RUNS', '5'))
BOOT_LIMIT = 300
KERNEL = os.environ['LAB_KERNEL']
VMLINUX = os.environ['LAB_VMLINUX']
INITRD = os.environ['LAB_L2_INITRD']
FERRY = os.environ['FERRY']
MEM = '256M'
CMDLINE = 'console=ttyS0 quiet reboot=k panic=-1 lab.exit=port'
QEMU = ['qemu-system-x86_64', '-accel', 'kvm', '-cpu', 'host', '-m', MEM,
        '-smp', '1', '-nographic', '-no-reboot', '-net', 'none',
        '-initrd', INITRD, '-append', CMDLINE,
        '-device', 'isa-debug-exit,iobase=0xf4,iosize=4']
FERRY_ARGS = ['--initrd', INITRD, '--memory', MEM, '--cpus', '1',
              '--cmdline', CMDLINE]
CACHE = '/tmp/ferry-bench-cache'
BASE = 'qemu -M pc, bzImage'

VMMS = {
    'ferry, bzImage (cold)': [FERRY, 'run', '--no-kernel-cache',
                              '--kernel', KERNEL] + FERRY_ARGS,
    'ferry, bzImage (1st, stores)': [
        'sh', '-c', 'rm -rf "$0" && XDG_CACHE_HOME="$0" exec "$@"',
        CACHE + '-first', FERRY, 'run', '--kernel', KERNEL] + FERRY_ARGS,
    'ferry, bzImage (cached)': [FERRY, 'run', '--kernel', KERNEL] + FERRY_ARGS,
    'ferry, bzImage, acpi=off': [FERRY, 'run', '--no-kernel-cache',
                                 '--kernel', KERNEL] +
                                FERRY_ARGS[:-1] + [CMDLINE + ' acpi=off'],
    'ferry, vmlinux (PVH)': [FERRY, 'run', '--kernel', VMLINUX] + FERRY_ARGS,
    'qemu -M microvm, bzImage': QEMU + ['-M', 'microvm', '-kernel', KERNEL],
    BASE: QEMU + ['-M', 'pc', '-kernel', KERNEL],
    'qemu -M microvm, vmlinux': QEMU + ['-M', 'microvm', '-kernel', VMLINUX],
    'qemu -M pc, vmlinux': QEMU + ['-M', 'pc', '-kernel', VMLINUX],
}


def boot(cmd):
    """Seconds from exec to the marker line and the child's peak RSS, or
    None for the time when there was no marker (killed after BOOT_LIMIT s,
    or ended without one; its last lines are printed)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    timer = threading.Timer(BOOT_LIMIT, p.send_signal, (signal.SIGKILL,))
    timer.start()
    seen = None
    tail = []
    for line in p.stdout:
        if seen is None and b'FERRY-L2-INIT' in line:
            seen = time.perf_counter() - t0
        tail = (tail + [line])[-20:]
    _, status, ru = os.wait4(p.pid, 0)
    timer.cancel()
    if seen is None:
        sys.stdout.write(b''.join(tail).decode(errors='replace'))
        print('no init marker (status %d, %.0f s): %s' %
              (os.waitstatus_to_exitcode(status), time.perf_counter() - t0,
               ' '.join(cmd)), flush=True)
    return seen, ru.ru_maxrss


def median(xs):
    return statistics.median(xs) if xs else float('nan')


def main():
    os.environ['XDG_CACHE_HOME'] = CACHE
    shutil.rmtree(CACHE, ignore_errors=True)
    boot(VMMS['ferry, bzImage (cached)'])  # fills the cache, not timed
    times = {k: [] for k in VMMS}
    rss = {k: 0 for k in VMMS}
    failed = {k: 0 for k in VMMS}
    for i in range(RUNS):
        for name, cmd in VMMS.items():
            t, r = boot(cmd)
            if t is None:
                failed[name] += 1
            else:
                times[name].append(t)
                print('run %d: %-30s %6.2f s' % (i + 1, name, t), flush=True)
            rss[name] = max(rss[name], r)
    base = median(times[BASE])
    print('%-30s %11s %13s %15s' % ('VMM, kernel', 'median (s)',
                                    'vs QEMU pc', 'peak RSS (MiB)'))
    for name in VMMS:
        m = median(times[name])
        print('%-30s %11.2f %13.2f %15.1f' % (name, m, m / base,
                                              rss[name] / 1024))
    best = {who: min((median(v), k) for k, v in times.items()
                     if k.startswith(who)) for who in ('ferry', 'qemu')}
    print('best paths: ferry %s %.2f s, qemu %s %.2f s: ferry/qemu %.2f' %
          (best['ferry'][1], best['ferry'][0], best['qemu'][1],
           best['qemu'][0], best['ferry'][0] / best['qemu'][0]))
    acpi = median(times['ferry, bzImage (cold)'])
    mp = median(times['ferry, bzImage, acpi=off'])
    print('ACPI costs %+.3f s to init (ferry %.3f s, acpi=off %.3f s: '
          'ratio %.3f)' % (acpi - mp, acpi, mp, acpi / mp))
    print('runs: %d each, interleaved; all times: %s' %
          (RUNS, {k: ['%.2f' % x for x in v] for k, v in times.items()}))
    if any(failed.values()):
        sys.exit('boots without an init marker: %s' % failed)


if __name__ == '__main__':
    main()
