#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""iommufd vs type1 inside one L1 (tests/lab/scenarios/bench-iommufd.sh):
the lab's 7.2 kernel has both, so every figure is side by side in the
same L1, interleaved.

1. Mapping guest RAM for DMA, ms per GiB (ferry logs the map time):
   4 KiB pages (memfd) and 2 MiB pages (--hugepages), each backend.
2. Start-up with the NVMe controller passed through: wall time of
   ferry running a tiny guest that exits at once (RAM mapped, device
   reset and set up, torn down), and of a Linux guest to its init
   (ferry and QEMU 10.0, each on both backends).
3. NVMe sequential direct I/O from a Linux guest: ferry and QEMU, each
   on both backends.
Ratios are iommufd / type1 (time: below 1 is faster; throughput: above
1 is faster) and ferry / QEMU on the same backend.
"""
import os
import re
import statistics
import subprocess
import sys
import time

RUNS = int(os.environ.get('LAB_BENCH_RUNS', '5'))
FERRY = os.environ['FERRY']
BUILD = os.environ['LAB_BUILD']
KERNEL = os.environ['LAB_KERNEL']
INITRD = os.environ['LAB_L2_INITRD']
QEMU = os.environ['LAB_QEMU_BPO']
EDU, NVME = sys.argv[1], sys.argv[2]
MAP_MEM_MIB = 512
NVME_MIB = 32
BACKENDS = ('type1', 'iommufd')


def run(cmd, timeout=300):
    """Status, output and seconds of @cmd; a run past @timeout ends the
    benchmark with what it printed (a hang is a finding, not a sample)."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'') + (e.stderr or b'')
        if isinstance(out, bytes):
            out = out.decode(errors='replace')
        sys.exit('still running after %d s, killed: %s\n%s'
                 % (timeout, ' '.join(cmd), out[-4000:]))
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t0


def dev(bdf, backend):
    return 'vfio,host=%s,iommu=%s' % (bdf, backend)


def map_ms(backend, huge):
    cmd = [FERRY, 'run', '-v', '--kernel', BUILD + '/guest/hello.elf',
           '--memory', '%dM' % MAP_MEM_MIB, '--device', dev(EDU, backend)]
    if huge:
        cmd.append('--hugepages')
    status, out, _ = run(cmd)
    m = re.search(r'mapped (\d+) MiB of guest RAM for DMA in ([0-9.]+) ms '
                  r'\((\w+)\)', out)
    if status != 1 or not m or m.group(3) != backend:
        sys.exit('map benchmark run failed (%d):\n%s' % (status, out[-2000:]))
    return float(m.group(2)) * 1024 / int(m.group(1))


def ferry_startup(backend):
    cmd = [FERRY, 'run', '--kernel', BUILD + '/guest/hello.elf',
           '--memory', '%dM' % MAP_MEM_MIB, '--device', dev(NVME, backend)]
    status, out, secs = run(cmd)
    if status != 1:
        sys.exit('start-up run failed (%d):\n%s' % (status, out[-2000:]))
    return secs * 1000


def append(extra=''):
    return ('console=ttyS0 quiet loglevel=5 reboot=k panic=-1 lab.exit=port ' +
            extra).strip()


def ferry_linux(backend, extra=''):
    return [FERRY, 'run', '--kernel', KERNEL, '--initrd', INITRD,
            '--memory', '512M', '--device', dev(NVME, backend),
            '--cmdline', append(extra)]


def qemu_linux(backend, extra=''):
    if backend == 'iommufd':
        vfio = ['-object', 'iommufd,id=ifd0',
                '-device', 'vfio-pci,host=%s,iommufd=ifd0' % NVME]
    else:
        vfio = ['-device', 'vfio-pci,host=' + NVME]
    return [QEMU, '-accel', 'kvm', '-cpu', 'qemu64', '-M', 'pc', '-m', '512M',
            '-smp', '1', '-nographic', '-no-reboot', '-net', 'none',
            '-kernel', KERNEL, '-initrd', INITRD, '-append', append(extra),
            '-device', 'isa-debug-exit,iobase=0xf4,iosize=4'] + vfio


def linux_boot(cmd):
    status, out, secs = run(cmd)
    if status != 1 or 'FERRY-L2-INIT' not in out:
        sys.exit('Linux boot failed (%d):\n%s' % (status, out[-3000:]))
    return secs


def nvme(cmd):
    status, out, _ = run(cmd)
    m = re.search(r'NVME-RESULT mib=(\d+) wrote=(\w+) read=(\w+) t0=([0-9.]+) '
                  r't1=([0-9.]+) t2=([0-9.]+)', out)
    if not m or m.group(2) != m.group(3):
        sys.exit('NVMe benchmark run failed (%d):\n%s' % (status, out[-3000:]))
    mib = int(m.group(1))
    t0, t1, t2 = (float(m.group(i)) for i in (4, 5, 6))
    return mib / max(t1 - t0, 0.01), mib / max(t2 - t1, 0.01)


def med(xs):
    return statistics.median(xs)


def main():
    print('iommufd vs type1, same L1 (%s), %d runs each, medians'
          % (os.uname().release, RUNS))

    maps = {(b, h): [] for b in BACKENDS for h in (False, True)}
    for _ in range(RUNS):
        for key in maps:
            maps[key].append(map_ms(*key))
    print('DMA map of guest RAM (%d MiB guest), ms per GiB:' % MAP_MEM_MIB)
    print('  %-16s %9s %9s %9s' % ('pages', 'type1', 'iommufd', 'ratio'))
    for huge, name in ((False, '4 KiB (memfd)'), (True, '2 MiB (huge)')):
        t, i = med(maps[('type1', huge)]), med(maps[('iommufd', huge)])
        print('  %-16s %9.1f %9.1f %9.2f' % (name, t, i, i / t))

    starts = {b: [] for b in BACKENDS}
    for _ in range(RUNS):
        for b in BACKENDS:
            starts[b].append(ferry_startup(b))
    t, i = med(starts['type1']), med(starts['iommufd'])
    print('Start-up and teardown with the NVMe passed through (tiny guest, '
          '%d MiB RAM), ms:' % MAP_MEM_MIB)
    print('  ferry            %9.1f %9.1f %9.2f' % (t, i, i / t))

    variants = [('ferry', b, ferry_linux) for b in BACKENDS] + \
               [('QEMU', b, qemu_linux) for b in BACKENDS]
    boot = {(n, b): [] for n, b, _ in variants}
    io = {(n, b): ([], []) for n, b, _ in variants}
    for _ in range(max(3, RUNS // 2)):
        for n, b, mk in variants:
            boot[(n, b)].append(linux_boot(mk(b)))
            w, r = nvme(mk(b, 'lab.nvme=%d' % NVME_MIB))
            io[(n, b)][0].append(w)
            io[(n, b)][1].append(r)
    print('Linux guest to init with the NVMe passed through (wall, s):')
    print('  %-16s %9s %9s %9s' % ('', 'type1', 'iommufd', 'ratio'))
    for n in ('ferry', 'QEMU'):
        t, i = med(boot[(n, 'type1')]), med(boot[(n, 'iommufd')])
        print('  %-16s %9.2f %9.2f %9.2f' % (n, t, i, i / t))
    print('NVMe sequential direct I/O from a Linux guest (%d MiB, MiB/s):'
          % NVME_MIB)
    print('  %-16s %9s %9s %9s %9s' % ('', 'write', 'read', 'w/type1',
                                       'r/type1'))
    for n in ('ferry', 'QEMU'):
        tw, tr = (med(x) for x in io[(n, 'type1')])
        for b in BACKENDS:
            w, r = (med(x) for x in io[(n, b)])
            print('  %-16s %9.1f %9.1f %9.2f %9.2f'
                  % ('%s %s' % (n, b), w, r, w / tw, r / tr))
    for b in BACKENDS:
        fw, fr = (med(x) for x in io[('ferry', b)])
        qw, qr = (med(x) for x in io[('QEMU', b)])
        print('  ferry/QEMU on %-8s write %.2f, read %.2f' % (b, fw / qw,
                                                           fr / qr))


if __name__ == '__main__':
    main()
