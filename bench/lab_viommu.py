#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""NVMe throughput behind a virtio-iommu, ferry vs QEMU, inside the lab.

Runs in L1 (tests/lab/scenarios/bench-viommu.sh). The same Linux guest
(Debian's 6.12, whose virtio-iommu driver the initramfs loads before the
NVMe driver) writes and reads NVME_MIB MiB of the passed-through NVMe disk
with direct I/O in 1 MiB blocks, under four VMMs, interleaved (one of
each, then again, each round starting one variant later) so noise hits
all alike:
  ferry, ferry --viommu, QEMU q35, QEMU q35 -device virtio-iommu-pci.
Every run must read back what it wrote, and the guest must show the NVMe
in a DMA domain exactly when there is a vIOMMU; a run that does not is
said on its own line and left out. Prints medians (MiB/s), the cost of
the vIOMMU (with/without) for each VMM, and ferry/QEMU for each mode;
for ferry --viommu also the guest's MAP and UNMAP requests per run and
the time ferry spent serving them (--stats).

Before that, in the same boot (lab.mapbench, tests/lab/l2-init.sh): the
cost of a guest mapping. The guest boots with iommu.strict=1, so behind a
vIOMMU each direct read maps its buffer before and unmaps it after (a
4 KiB read: one MAP, one UNMAP, each a round trip to the VMM); it reads
MAP_N4 x 4 KiB and MAP_N2 x 2 MiB, timed, then switches the group to
DMA-FQ for the throughput test (as without this part). The cost of one
read's mappings = (time behind the vIOMMU - time without) / reads, per
round (the two runs of one VMM in one round), median of the rounds.
"""
import os
import re
import statistics
import subprocess
import sys

RUNS = max(3, int(os.environ.get('LAB_BENCH_RUNS', '5')) // 2)
BOOT_LIMIT = 300
FERRY = os.environ['FERRY']
KERNEL = os.environ['LAB_VIOMMU_KERNEL']
INITRD = os.environ['LAB_L2_VIOMMU_INITRD']
NVME = sys.argv[1]
NVME_MIB = 32
MEM = '512M'
MAP_N4, MAP_N2 = 1024, 16
CMDLINE = ('console=ttyS0 quiet reboot=k panic=-1 lab.exit=port lab.viommu=1 '
           'iommu.strict=1 lab.mapbench=%d:%d lab.nvme=%d' %
           (MAP_N4, MAP_N2, NVME_MIB))

FERRY_CMD = [FERRY, 'run', '--stats', '--kernel', KERNEL, '--initrd', INITRD,
             '--memory', MEM, '--device', 'vfio,host=' + NVME,
             '--cmdline', CMDLINE]
QEMU_CMD = ['qemu-system-x86_64', '-accel', 'kvm', '-cpu', 'qemu64', '-M', 'q35',
            '-m', MEM, '-smp', '1', '-nographic', '-no-reboot', '-net', 'none',
            '-kernel', KERNEL, '-initrd', INITRD, '-append', CMDLINE,
            '-device', 'isa-debug-exit,iobase=0xf4,iosize=4']
# name, command, behind a vIOMMU?
VARIANTS = [
    ('ferry', FERRY_CMD, False),
    ('ferry --viommu', FERRY_CMD[:2] + ['--viommu'] + FERRY_CMD[2:], True),
    ('QEMU', QEMU_CMD + ['-device', 'vfio-pci,host=' + NVME], False),
    # The vIOMMU first: it must exist before the devices it translates.
    ('QEMU virtio-iommu', QEMU_CMD + ['-device', 'virtio-iommu-pci',
                                      '-device', 'vfio-pci,host=' + NVME], True),
]

RESULT = re.compile(r'NVME-RESULT mib=(\d+) wrote=(\w+) read=(\w+) '
                    r't0=([0-9.]+) t1=([0-9.]+) t2=([0-9.]+)')
MAPBENCH = re.compile(r'MAPBENCH n4k=(\d+) n2m=(\d+) t0=([0-9.]+) '
                      r't1=([0-9.]+) t2=([0-9.]+) type=(\S+) after=(\S+)')
GROUP = re.compile(r'^VIOMMU-GROUP .* class=0x010802 .* type=(\S+) ', re.M)
STATS = re.compile(r'^stats: virtio-iommu .* map=(\d+) unmap=(\d+) .*'
                   r'busy-ms=([0-9.]+) map-us=([0-9.]+) unmap-us=([0-9.]+)',
                   re.M)


def run(name, cmd, viommu):
    """(write MiB/s, read MiB/s, maps, unmaps, s 4 KiB reads, s 2 MiB
    reads) or None, said."""
    try:
        p = subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL,
                           timeout=BOOT_LIMIT)
        out = (p.stdout + p.stderr).decode(errors='replace').replace('\r', '')
    except subprocess.TimeoutExpired:
        print('  %s: still running after %d s, killed' % (name, BOOT_LIMIT),
              flush=True)
        return None
    m = RESULT.search(out)
    g = GROUP.search(out)
    mb = MAPBENCH.search(out)
    why = None
    if not m or m.group(2) != m.group(3):
        why = 'no NVMe result, or it read back other bytes'
    elif viommu and (not g or not g.group(1).startswith('DMA')):
        why = 'the NVMe is not in a DMA domain (%s)' % (g.group(1) if g else
                                                         'no group')
    elif not viommu and g:
        why = 'the NVMe is behind an IOMMU (%s) without one' % g.group(1)
    elif not mb:
        why = 'no MAPBENCH line'
    elif viommu and (mb.group(6), mb.group(7)) != ('DMA', 'DMA-FQ'):
        why = 'mapping reads in domain %s (want DMA: strict), then %s ' \
              '(want DMA-FQ)' % (mb.group(6), mb.group(7))
    elif not viommu and mb.group(6) != 'none':
        why = 'mapping reads behind an IOMMU (%s) without one' % mb.group(6)
    if why:
        print('  %s: %s; status %d; its last lines:\n%s' %
              (name, why, p.returncode, '\n'.join(
                  '    | ' + x for x in out.splitlines()[-25:])), flush=True)
        return None
    mib = int(m.group(1))
    t0, t1, t2 = (float(m.group(i)) for i in (4, 5, 6))
    s = STATS.search(out)
    maps, unmaps = (int(s.group(1)), int(s.group(2))) if s else (None, None)
    w, r = mib / max(t1 - t0, 0.01), mib / max(t2 - t1, 0.01)
    m0, m1, m2 = (float(mb.group(i)) for i in (3, 4, 5))
    s4, s2 = m1 - m0, m2 - m1
    # ferry's own time on the requests beside the guest's I/O window.
    print('  %s: %d x 4 KiB reads %.2f s, %d x 2 MiB reads %.2f s; '
          'write %.1f MiB/s, read %.1f MiB/s%s' %
          (name, MAP_N4, s4, MAP_N2, s2, w, r, '' if maps is None else
           ', %d MAP, %d UNMAP requests; ferry busy %.0f ms of the run '
           '(the I/O took %.0f ms), %.1f us a MAP, %.1f us an UNMAP' %
           (maps, unmaps, float(s.group(3)), (t2 - t0) * 1000,
            float(s.group(4)), float(s.group(5)))), flush=True)
    return w, r, maps, unmaps, s4, s2


def med(xs):
    return statistics.median(xs) if xs else float('nan')


def mapping_costs(rounds):
    """The cost of one read's mappings, per VMM, from the rounds that
    have both of its runs: (with - without) / reads, median of rounds."""
    print('mapping cost (iommu.strict=1; behind the vIOMMU - without, '
          'per read; median of rounds, the rounds in brackets):')
    cost = {}
    for vmm, on in (('ferry', 'ferry --viommu'),
                    ('QEMU', 'QEMU virtio-iommu')):
        for k, n, size in ((4, MAP_N4, '4 KiB'), (5, MAP_N2, '2 MiB')):
            d = [(x[on][k] - x[vmm][k]) / n * 1e6 for x in rounds
                 if on in x and vmm in x]
            base = [x[vmm][k] / n * 1e6 for x in rounds if vmm in x]
            cost[vmm, size] = med(d)
            print('  %-6s %s read: %7.0f us (%s); the read itself %.0f us '
                  'without' % (vmm, size, med(d),
                               ' '.join('%.0f' % x for x in d), med(base)))
    for size in ('4 KiB', '2 MiB'):
        print('  ferry / QEMU, %s: %.2f' %
              (size, cost['ferry', size] / cost['QEMU', size]))
    # The throughput ratio with a vIOMMU round by round: how far apart.
    for k, what in ((0, 'write'), (1, 'read')):
        q = [x['ferry --viommu'][k] / x['QEMU virtio-iommu'][k]
             for x in rounds if 'ferry --viommu' in x and
             'QEMU virtio-iommu' in x]
        print('ferry / QEMU with virtio-iommu, %s, round by round: %s' %
              (what, ' '.join('%.2f' % x for x in q)))


def main():
    res = {name: [] for name, _, _ in VARIANTS}
    rounds = []
    print('NVMe sequential direct I/O from Debian 6.12 (%d MiB, 1 MiB blocks), '
          '%d interleaved rounds:' % (NVME_MIB, RUNS), flush=True)
    for i in range(RUNS):
        print('round %d' % (i + 1), flush=True)
        rounds.append({})
        # Each round starts one variant later: none always runs right
        # after the same one, or at the same point of a round.
        for name, cmd, viommu in VARIANTS[i % 4:] + VARIANTS[:i % 4]:
            r = run(name, cmd, viommu)
            if r:
                res[name].append(r)
                rounds[-1][name] = r
    w = {n: med([x[0] for x in v]) for n, v in res.items()}
    r = {n: med([x[1] for x in v]) for n, v in res.items()}
    print('medians (MiB/s) of the runs that passed:')
    print('  %-20s %5s %9s %9s' % ('', 'runs', 'write', 'read'))
    for name, _, _ in VARIANTS:
        print('  %-20s %5d %9.1f %9.1f' % (name, len(res[name]), w[name],
                                          r[name]))
    print('the vIOMMU\'s cost (with / without, same VMM):')
    for vmm in ('ferry', 'QEMU'):
        on = vmm + (' --viommu' if vmm == 'ferry' else ' virtio-iommu')
        print('  %-6s write %.2f  read %.2f' % (vmm, w[on] / w[vmm],
                                                r[on] / r[vmm]))
    print('ferry / QEMU:')
    print('  without vIOMMU     write %.2f  read %.2f' %
          (w['ferry'] / w['QEMU'], r['ferry'] / r['QEMU']))
    print('  with virtio-iommu  write %.2f  read %.2f' %
          (w['ferry --viommu'] / w['QEMU virtio-iommu'],
           r['ferry --viommu'] / r['QEMU virtio-iommu']))
    maps = [x[2] for x in res['ferry --viommu'] if x[2] is not None]
    unmaps = [x[3] for x in res['ferry --viommu'] if x[3] is not None]
    if maps:
        print('ferry --viommu: median %d MAP and %d UNMAP requests a run '
              '(%d MiB written and read, plus the boot)' %
              (med(maps), med(unmaps), NVME_MIB))
    mapping_costs(rounds)
    if any(len(v) < RUNS for v in res.values()):
        sys.exit('some runs failed (above)')


if __name__ == '__main__':
    main()
