#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""BAR mapping benchmarks inside the lab (tests/lab/scenarios/bench-bar.sh).

1. Exits for one million reads of a lazily mapped BAR: counted with
   --stats (faults, installations, trapped reads, MMIO exits), not assumed.
2. What a memory-decode toggle costs, beside its floor: guest/bar-toggle
   times rounds of two command-register writes and one BAR read, "plain"
   (decode stays on; the read does not exit) against "toggle" (decode off
   and on; ferry pauses the vCPUs, re-installs the slots at the read),
   interleaved inside each run. With 1 vCPU and with 4 (3 of them idle:
   the pause must bring them out of KVM_RUN too). Medians over RUNS runs.
"""
import os
import re
import statistics
import subprocess
import sys

RUNS = int(os.environ.get('LAB_BENCH_RUNS', '5'))
FERRY = os.environ['FERRY']
BUILD = os.environ['LAB_BUILD']
EDU = sys.argv[1]
ROUNDS = 1000


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=600)
    return p.returncode, p.stdout + p.stderr


def exits_per_million():
    status, out = run([FERRY, 'run', '--kernel', BUILD + '/guest/edu.elf',
                       '--device', 'vfio,host=' + EDU, '--stats',
                       '--cmdline', 'reads=1000000'])
    dev = re.search(r'stats: \S+ faults=(\d+) installs=(\d+) .*'
                    r'trapped-reads=(\d+)', out)
    mmio = re.search(r'stats: vcpu0 exits=\d+ pio=\d+ mmio=(\d+)', out)
    if status != 1 or not dev or not mmio:
        sys.exit('BAR exit count failed (%d):\n%s' % (status, out[-2000:]))
    print('1000000 reads of edu BAR0: %s fault(s), %s installation(s), %s '
          'trapped BAR read(s); %s MMIO exits in the whole run (config '
          'space included)' % (dev.group(1), dev.group(2), dev.group(3),
                               mmio.group(1)))


def toggle_run(cpus):
    status, out = run([FERRY, 'run', '--kernel',
                       BUILD + '/guest/bar-toggle.elf', '--stats',
                       '--cpus', str(cpus), '--device', 'vfio,host=' + EDU,
                       '--cmdline', 'rounds=%d' % ROUNDS])
    cyc = re.search(r'cycles per round: plain (\d+), toggle (\d+)', out)
    inst = re.search(r'stats: \S+ faults=\d+ installs=(\d+)', out)
    if status != 1 or '0 unexpected failures' not in out or not cyc \
            or not inst or int(inst.group(1)) != ROUNDS + 1:
        sys.exit('bar-toggle failed (%d):\n%s' % (status, out[-2000:]))
    return int(cyc.group(1)), int(cyc.group(2))


def tsc_mhz():
    """L1's TSC rate, which its L2 guests read too (no TSC scaling)."""
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('cpu MHz'):
                return float(line.split(':')[1])
    sys.exit('no "cpu MHz" in /proc/cpuinfo')


def toggle_cost():
    mhz = tsc_mhz()
    res = {1: ([], []), 4: ([], [])}
    for _ in range(RUNS):
        for cpus in res:
            p, t = toggle_run(cpus)
            res[cpus][0].append(p)
            res[cpus][1].append(t)
    print('memory-decode toggle (bar-toggle, %d rounds of each kind per run, '
          '%d runs, medians; a round = 2 command writes + 1 BAR read; '
          'us at %.0f MHz):' % (ROUNDS, RUNS, mhz))
    print('  %-7s %14s %15s %8s %14s' % ('vCPUs', 'plain us', 'toggle us',
                                         'ratio', 'toggle adds us'))
    for cpus, (plain, toggle) in res.items():
        p, t = statistics.median(plain), statistics.median(toggle)
        print('  %-7d %14.1f %15.1f %7.2fx %14.1f'
              % (cpus, p / mhz, t / mhz, t / p, (t - p) / mhz))


def main():
    exits_per_million()
    toggle_cost()


if __name__ == '__main__':
    main()
