#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""VFIO benchmarks inside the lab (tests/lab/scenarios/bench-vfio.sh).

1. Time to map guest RAM into the VFIO container, per GiB: ferry's
   default RAM (anonymous, transparent huge pages) vs hugetlbfs 2 MiB
   pages (ferry logs the map time).
2. Sequential direct I/O on the passed-through NVMe disk from a Linux
   guest: ferry with its defaults and with --hugepages vs QEMU with the
   same device in the same L1, interleaved, on a stock host (THP
   "madvise" for anonymous memory, shmem_enabled "never").
(BAR mapping benchmarks: bench/lab_bar.py.)
"""
import os
import re
import statistics
import subprocess
import sys

RUNS = int(os.environ.get('LAB_BENCH_RUNS', '5'))
FERRY = os.environ['FERRY']
BUILD = os.environ['LAB_BUILD']
KERNEL = os.environ['LAB_KERNEL']
INITRD = os.environ['LAB_L2_INITRD']
EDU, NVME = sys.argv[1], sys.argv[2]
MAP_MEM_MIB = 512
NVME_MIB = 48


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=600)
    return p.returncode, p.stdout + p.stderr


def map_ms(huge):
    cmd = [FERRY, 'run', '-v', '--kernel', BUILD + '/guest/hello.elf',
           '--memory', '%dM' % MAP_MEM_MIB, '--device', 'vfio,host=' + EDU]
    if huge:
        cmd.append('--hugepages')
    status, out = run(cmd)
    m = re.search(r'mapped (\d+) MiB of guest RAM for DMA in ([0-9.]+) ms', out)
    if status != 1 or not m:
        sys.exit('map benchmark run failed (%d):\n%s' % (status, out[-2000:]))
    return float(m.group(2)) * 1024 / int(m.group(1))


def nvme(cmd):
    status, out = run(cmd)
    m = re.search(r'NVME-RESULT mib=(\d+) wrote=(\w+) read=(\w+) t0=([0-9.]+) '
                  r't1=([0-9.]+) t2=([0-9.]+)', out)
    if not m or m.group(2) != m.group(3):
        sys.exit('NVMe benchmark run failed (%d):\n%s' % (status, out[-3000:]))
    mib = int(m.group(1))
    t0, t1, t2 = (float(m.group(i)) for i in (4, 5, 6))
    return mib / max(t1 - t0, 0.01), mib / max(t2 - t1, 0.01)


def main():
    append = ('console=ttyS0 quiet reboot=k panic=-1 lab.exit=port lab.nvme=%d'
              % NVME_MIB)
    ferry = [FERRY, 'run', '--kernel', KERNEL, '--initrd', INITRD,
             '--memory', '512M', '--device', 'vfio,host=' + NVME,
             '--cmdline', append]
    qemu = ['qemu-system-x86_64', '-accel', 'kvm', '-cpu', 'qemu64', '-M', 'pc',
            '-m', '512M', '-smp', '1', '-nographic', '-no-reboot', '-net', 'none',
            '-kernel', KERNEL, '-initrd', INITRD, '-append', append,
            '-device', 'vfio-pci,host=' + NVME,
            '-device', 'isa-debug-exit,iobase=0xf4,iosize=4']

    small, huge = [], []
    for _ in range(RUNS):
        small.append(map_ms(False))
        huge.append(map_ms(True))
    s, h = statistics.median(small), statistics.median(huge)
    print('DMA map of guest RAM (%d MiB guest, %d runs each, median):'
          % (MAP_MEM_MIB, RUNS))
    print('  default (anonymous)  %8.1f ms/GiB' % s)
    print('  hugetlbfs, 2 MiB     %8.1f ms/GiB   (%.2fx the default)' % (h, s / h))

    thp = '/sys/kernel/mm/transparent_hugepage/shmem_enabled'

    def shmem_thp(mode):
        with open(thp, 'w') as f:
            f.write(mode)

    with open('/sys/kernel/mm/transparent_hugepage/enabled') as f:
        print('THP for anonymous memory: %s' % f.read().strip())
    variants = [
        ('ferry (defaults)', ferry, 'never'),
        ('ferry --hugepages', ferry + ['--hugepages'], 'never'),
        ('QEMU', qemu, 'never'),
    ]
    res = {name: ([], []) for name, _, _ in variants}
    for _ in range(max(3, RUNS // 2)):
        for name, cmd, mode in variants:
            shmem_thp(mode)
            w, r = nvme(cmd)
            res[name][0].append(w)
            res[name][1].append(r)
    shmem_thp('never')
    qw, qr = (statistics.median(x) for x in res['QEMU'])
    print('NVMe sequential direct I/O from a Linux guest (%d MiB, 1 MiB '
          'blocks, %d runs each, median MiB/s; ratio to QEMU):'
          % (NVME_MIB, len(res['QEMU'][0])))
    print('  %-26s %9s %9s %7s %7s' % ('', 'write', 'read', 'w/QEMU',
                                       'r/QEMU'))
    for name, _, _ in variants:
        w, r = (statistics.median(x) for x in res[name])
        print('  %-26s %9.1f %9.1f %7.2f %7.2f' % (name, w, r, w / qw, r / qr))


if __name__ == '__main__':
    main()
