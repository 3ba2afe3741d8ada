#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""iommufd vs type1 inside one L1 (tests/lab/scenarios/bench-iommufd.sh):
the lab's 7.2 kernel has both, so every figure is side by side in the
same L1, interleaved.

1. Linux with the NVMe controller passed through, ferry and QEMU 10.0,
   each on both backends, one of each per round, each round starting one
   variant later: the wall time from the VMM's start to the guest's init
   (its FERRY-L2-INIT line on the console), then its sequential direct
   I/O on the NVMe (MiB/s, timed by the guest). One run gives both.
2. Mapping guest RAM for DMA, ms per GiB (ferry logs the map time):
   4 KiB pages (memfd) and 2 MiB pages (--hugepages), each backend.
3. Start-up with the NVMe passed through: wall time of ferry running a
   tiny guest that exits at once (RAM mapped, device reset and set up,
   torn down).
Ratios are iommufd / type1 (time: below 1 is faster; throughput: above
1 is faster) and ferry / QEMU on the same backend.

--parts linux,map,start (default all, in that order) chooses parts.
"""
import os
import os
import re
import statistics
import subprocess
import sys
import threading
import time

RUNS = int(os.environ.get('LAB_BENCH_RUNS', '5'))
FERRY = os.environ['FERRY']
BUILD = os.environ['LAB_BUILD']
KERNEL = os.environ['LAB_KERNEL']
INITRD = os.environ['LAB_L2_INITRD']
QEMU = os.environ['LAB_QEMU_BPO']
EDU, NVME = sys.argv[1], sys.argv[2]
PARTS = (sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == '--parts'
         else 'linux,map,start').split(',')
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


def linux_nvme(cmd, timeout=300):
    """(seconds from start to the guest's init, write MiB/s, read MiB/s)
    of one Linux run on the NVMe; a failed or hung run ends the benchmark
    with its output."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    lines, seen = [], {}

    def reader():
        for raw in p.stdout:
            line = raw.decode(errors='replace')
            if 'FERRY-L2-INIT' in line and 'init' not in seen:
                seen['init'] = time.monotonic() - t0
            lines.append(line)

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    try:
        status = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        th.join(5)
        sys.exit('still running after %d s, killed: %s\n%s'
                 % (timeout, ' '.join(cmd), ''.join(lines)[-4000:]))
    th.join(5)
    out = ''.join(lines).replace('\r', '')
    m = re.search(r'NVME-RESULT mib=(\d+) wrote=(\w+) read=(\w+) t0=([0-9.]+) '
                  r't1=([0-9.]+) t2=([0-9.]+)', out)
    if status != 1 or 'init' not in seen or not m or m.group(2) != m.group(3):
        sys.exit('Linux/NVMe run failed (%d): %s\n%s'
                 % (status, ' '.join(cmd), out[-3000:]))
    mib = int(m.group(1))
    g0, g1, g2 = (float(m.group(i)) for i in (4, 5, 6))
    return seen['init'], mib / max(g1 - g0, 0.01), mib / max(g2 - g1, 0.01)


def med(xs):
    return statistics.median(xs)


def part_linux():
    variants = [('ferry', b, ferry_linux) for b in BACKENDS] + \
               [('QEMU', b, qemu_linux) for b in BACKENDS]
    boot = {(n, b): [] for n, b, _ in variants}
    io = {(n, b): ([], []) for n, b, _ in variants}
    for r in range(max(3, RUNS // 2)):
        for k in range(len(variants)):
            n, b, mk = variants[(r + k) % len(variants)]
            secs, w, rd = linux_nvme(mk(b, 'lab.nvme=%d' % NVME_MIB))
            boot[(n, b)].append(secs)
            io[(n, b)][0].append(w)
            io[(n, b)][1].append(rd)
            print('  round %d %-16s init %.2f s, write %.1f, read %.1f MiB/s'
                  % (r + 1, '%s %s' % (n, b), secs, w, rd), flush=True)
    print('Linux guest with the NVMe passed through, start to init (wall, s):')
    print('  %-16s %9s %9s %9s' % ('', 'type1', 'iommufd', 'ratio'))
    for n in ('ferry', 'QEMU'):
        t, i = med(boot[(n, 'type1')]), med(boot[(n, 'iommufd')])
        print('  %-16s %9.2f %9.2f %9.2f' % (n, t, i, i / t))
    for b in BACKENDS:
        print('  ferry/QEMU on %-8s %.2f' % (b, med(boot[('ferry', b)]) /
                                            med(boot[('QEMU', b)])))
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


def part_map():
    maps = {(b, h): [] for b in BACKENDS for h in (False, True)}
    for _ in range(RUNS):
        for key in maps:
            maps[key].append(map_ms(*key))
    print('DMA map of guest RAM (%d MiB guest), ms per GiB:' % MAP_MEM_MIB)
    print('  %-16s %9s %9s %9s' % ('pages', 'type1', 'iommufd', 'ratio'))
    for huge, name in ((False, '4 KiB (memfd)'), (True, '2 MiB (huge)')):
        t, i = med(maps[('type1', huge)]), med(maps[('iommufd', huge)])
        print('  %-16s %9.1f %9.1f %9.2f' % (name, t, i, i / t))


def part_start():
    starts = {b: [] for b in BACKENDS}
    for _ in range(RUNS):
        for b in BACKENDS:
            starts[b].append(ferry_startup(b))
    t, i = med(starts['type1']), med(starts['iommufd'])
    print('Start-up and teardown with the NVMe passed through (tiny guest, '
          '%d MiB RAM), ms:' % MAP_MEM_MIB)
    print('  ferry            %9.1f %9.1f %9.2f' % (t, i, i / t))


def main():
    print('iommufd vs type1, same L1 (%s), %d runs each, medians; parts %s'
          % (os.uname().release, RUNS, ','.join(PARTS)), flush=True)
    parts = {'linux': part_linux, 'map': part_map, 'start': part_start}
    for name in PARTS:
        parts[name]()


if __name__ == '__main__':
    main()
