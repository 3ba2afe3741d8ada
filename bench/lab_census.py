#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Exit census of a Linux boot, ferry vs QEMU, from KVM's tracepoints in L1.

Runs in L1 (tests/lab/scenarios/bench-census.sh). Each VMM boots the same
kernel and initramfs to the L2 init marker (1 vCPU, 256 MiB, `quiet`,
ended through the debug-exit port) with kvm:kvm_exit, kvm:kvm_pio,
kvm:kvm_mmio and kvm:kvm_userspace_exit on. Counts every exit, in-kernel
ones included, by reason, port and MMIO page, so ferry and QEMU are
counted the same way. Tracing slows the boot: the census has no times.
"""
import collections
import os
import re
import subprocess
import sys

T = '/sys/kernel/tracing'
KERNEL = os.environ['LAB_KERNEL']
VMLINUX = os.environ['LAB_VMLINUX']
INITRD = os.environ['LAB_L2_INITRD']
FERRY = os.environ['FERRY']
CMDLINE = 'console=ttyS0 quiet reboot=k panic=-1 lab.exit=port'
QEMU = ['qemu-system-x86_64', '-accel', 'kvm', '-cpu', 'host', '-m', '256M',
        '-smp', '1', '-nographic', '-no-reboot', '-net', 'none',
        '-initrd', INITRD, '-append', CMDLINE,
        '-device', 'isa-debug-exit,iobase=0xf4,iosize=4']
# ferry as it was before issue 14 (main at de703d5), if built there:
# git archive de703d5 | tar -x -C build-base/src; meson setup
# build-base/src/b; ninja -C build-base/src/b ferry.
FERRY_BEFORE = os.path.join(os.environ['LAB_REPO'], 'build-base', 'src', 'b',
                            'ferry')
FERRY_ARGS = ['--initrd', INITRD, '--memory', '256M', '--cpus', '1',
              '--cmdline', CMDLINE]
EVENTS = ['kvm/kvm_exit', 'kvm/kvm_pio', 'kvm/kvm_mmio',
          'kvm/kvm_userspace_exit']


def put(path, value):
    with open(os.path.join(T, path), 'w') as f:
        f.write(value)


def setup():
    if not os.path.exists(os.path.join(T, 'trace')):
        subprocess.run(['mount', '-t', 'tracefs', 'nodev', T], check=True)
    put('tracing_on', '0')
    put('buffer_size_kb', '131072')
    for e in EVENTS:
        put('events/%s/enable' % e, '1')


def lost():
    n = 0
    for cpu in os.listdir(os.path.join(T, 'per_cpu')):
        with open(os.path.join(T, 'per_cpu', cpu, 'stats')) as f:
            m = re.search(r'overrun: (\d+)', f.read())
            n += int(m.group(1)) if m else 0
    return n


EXIT = re.compile(r'kvm_exit: vcpu \d+ reason (\S+)')
PIO = re.compile(r'kvm_pio: pio_(read|write) at 0x([0-9a-f]+)')
MMIO = re.compile(r'kvm_mmio: mmio (?:read|write|unsatisfied-read) len \d+ gpa 0x([0-9a-f]+)')
USER = re.compile(r'kvm_userspace_exit: reason (\S+)')


def census(name, cmd):
    put('trace', '')
    put('tracing_on', '1')
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=900)
    put('tracing_on', '0')
    out = p.stdout.decode(errors='replace')
    m = re.search(r'FERRY-L2-INIT .*uptime=([0-9.]+)', out)
    if not m:
        sys.stdout.write(out[-3000:])
        sys.exit('%s: no init marker (status %d)' % (name, p.returncode))
    reasons, ports, pages, user = (collections.Counter() for _ in range(4))
    with open(os.path.join(T, 'trace')) as f:
        for line in f:
            if (x := EXIT.search(line)):
                reasons[x.group(1)] += 1
            elif (x := PIO.search(line)):
                ports[int(x.group(2), 16)] += 1
            elif (x := MMIO.search(line)):
                pages[int(x.group(1), 16) & ~0xfff] += 1
            elif (x := USER.search(line)):
                user[x.group(1)] += 1
    return {'uptime': float(m.group(1)), 'reasons': reasons, 'ports': ports,
            'pages': pages, 'user': user, 'lost': lost()}


def show(name, c):
    total = sum(c['reasons'].values())
    print('== %s: %d exits (%d to user space), guest uptime at init %.2f s%s'
          % (name, total, sum(c['user'].values()), c['uptime'],
             ', %d trace events LOST' % c['lost'] if c['lost'] else ''))
    print('  by reason:  ' + '  '.join('%s=%d' % kv for kv in
                                      c['reasons'].most_common(10)))
    print('  by port:    ' + '  '.join('0x%x=%d' % kv for kv in
                                      c['ports'].most_common(12)))
    print('  by MMIO page: ' + '  '.join('0x%x=%d' % kv for kv in
                                        c['pages'].most_common(6)))
    if 'ferry' in name:
        sys.stdout.flush()


TS = re.compile(r'^\[\s*(\d+\.\d+)\] (.*)$')


INITCALL = re.compile(r'initcall (\S+) returned -?\d+ after (\d+) usecs')


def gaps(name, cmd, top=12):
    """Where the guest's own clock goes in a boot: the largest gaps between
    kernel messages and the slowest initcalls. The boot stays quiet (no
    console exits while it runs); the guest prints its log after the init
    marker (lab.dmesg=1), initcall_debug's lines included."""
    cmd = [c.replace(' quiet', ' quiet initcall_debug lab.dmesg=1')
           for c in cmd]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=900)
    out = p.stdout.decode(errors='replace').replace('\r', '')
    init = re.search(r'FERRY-L2-INIT .*uptime=([0-9.]+)', out)
    lines = [m.groups() for m in map(TS.match, out.splitlines()) if m]
    steps = [(float(b[0]) - float(a[0]), a[1], b[1], b[0])
             for a, b in zip(lines, lines[1:])]
    print('== %s: guest uptime at init %s s, %d kernel messages, last at %s s;'
          ' largest gaps:' % (name, init.group(1) if init else '?',
                              len(lines), lines[-1][0] if lines else '?'))
    for d, a, b, t in sorted(steps, reverse=True)[:top]:
        print('  %6.3f s before [%s] %s\n           after: %s' %
              (d, t, b[:90], a[:90]))
    calls = sorted(((int(m.group(2)), m.group(1)) for m in
                    map(INITCALL.search, out.splitlines()) if m),
                   reverse=True)
    print('  initcalls: %d, %.3f s in all; slowest:' %
          (len(calls), sum(c[0] for c in calls) / 1e6))
    for us, fn in calls[:top]:
        print('  %8.3f s  %s' % (us / 1e6, fn))
    sys.stdout.flush()


def main():
    if sys.argv[1:2] == ['gaps']:
        for name in sys.argv[2:] or DEFAULT:
            gaps(name, RUNS[name])
        return
    setup()
    which = sys.argv[1:] or DEFAULT
    for name in which:
        show(name, census(name, RUNS[name]))
    for e in EVENTS:
        put('events/%s/enable' % e, '0')
    put('buffer_size_kb', '1408')


RUNS = {
    'ferry-before-bzimage': [FERRY_BEFORE, 'run', '--kernel', KERNEL] +
    FERRY_ARGS,
    'ferry-bzimage': [FERRY, 'run', '--kernel', KERNEL] + FERRY_ARGS,
    'ferry-pvh': [FERRY, 'run', '--kernel', VMLINUX] + FERRY_ARGS,
    'qemu-pc': QEMU + ['-M', 'pc', '-kernel', KERNEL],
    'qemu-pc-pvh': QEMU + ['-M', 'pc', '-kernel', VMLINUX],
    'qemu-microvm-pvh': QEMU + ['-M', 'microvm', '-kernel', VMLINUX],
}


DEFAULT = ((['ferry-before-bzimage'] if os.path.exists(FERRY_BEFORE) else []) +
           ['ferry-bzimage', 'ferry-pvh', 'qemu-pc'])


if __name__ == '__main__':
    main()
