#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Signals at awkward moments, and SIGPIPE (docs/vfio.md, teardown rule).

  signals.py FERRY HELLO_GUEST EXITS_GUEST

- a SIGTERM already pending when ferry starts (blocked by its parent and
  inherited across exec) ends it with status 12, at start-up, before any
  guest runs;
- two SIGTERMs in a row while the guest runs: status 12, one stop;
- stdout a pipe whose reader is gone: ferry is not killed by SIGPIPE; the
  guest's own status comes back, one warning says the output is dropped,
  and --stats counts the dropped bytes;
- stdout a pipe nobody reads while the guest prints: SIGTERM still ends
  ferry promptly with 12 (a vCPU blocked writing to the console gives up).
"""
import os
import re
import signal
import subprocess
import sys
import time

ferry, hello, exits = sys.argv[1:4]
failed = 0


def check(name, ok, detail=''):
    global failed
    print(('ok - ' if ok else 'not ok - ') + name)
    if not ok:
        failed = 1
        if detail:
            print(''.join('    | ' + l + '\n' for l in detail.splitlines()),
                  end='')


def pending_sigterm_at_exec():
    """The child blocks SIGTERM, sends it to itself, then execs ferry."""
    def pre():
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        os.kill(os.getpid(), signal.SIGTERM)
    p = subprocess.run([ferry, 'run', '-v', '--kernel', hello],
                       preexec_fn=pre, capture_output=True, text=True,
                       timeout=60)
    out = p.stdout + p.stderr
    check('a SIGTERM pending at exec ends ferry with 12', p.returncode == 12,
          'status %d\n%s' % (p.returncode, out))
    check('during start-up, before the guest ran',
          'stopping on signal 15 during start-up' in out and
          'hello from' not in out, out)


def two_sigterms():
    p = subprocess.Popen([ferry, 'run', '--kernel', exits, '--cpus', '2',
                          '--cmdline', 'pio=1000000000 mmio=0'],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    p.send_signal(signal.SIGTERM)
    p.send_signal(signal.SIGTERM)
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    check('two SIGTERMs in a row: status 12', p.returncode == 12,
          'status %d\n%s' % (p.returncode, err))


def closed_stdout():
    r, w = os.pipe()
    os.close(r)  # nobody will ever read: every write gets EPIPE
    p = subprocess.run([ferry, 'run', '--stats', '--kernel', hello],
                       stdin=subprocess.DEVNULL, stdout=w,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    os.close(w)
    err = p.stderr
    check('a closed stdout does not kill ferry: the guest\'s status 1',
          p.returncode == 1, 'status %d\n%s' % (p.returncode, err))
    n = len(re.findall(r'^ferry: warning: guest console output cannot be '
                       r'written \(Broken pipe\)', err, re.M))
    check('one warning says the output is dropped', n == 1, err)
    m = re.search(r'^stats: console dropped=(\d+)$', err, re.M)
    check('--stats counts the dropped bytes', m and int(m.group(1)) > 100,
          err)


def full_stdout_then_sigterm():
    r, w = os.pipe()  # read end kept open, never read: the pipe fills
    p = subprocess.Popen([ferry, 'run', '--kernel', exits, '--cmdline',
                          'pio=1000000000 mmio=0 spam=1'],
                         stdin=subprocess.DEVNULL, stdout=w,
                         stderr=subprocess.PIPE, text=True)
    os.close(w)
    time.sleep(2)
    t = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        _, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    dt = time.monotonic() - t
    os.close(r)
    check('a full stdout: SIGTERM still stops ferry with 12 (%.1f s)' % dt,
          p.returncode == 12 and dt < 10, 'status %d\n%s' % (p.returncode,
                                                              err))


pending_sigterm_at_exec()
two_sigterms()
closed_stdout()
full_stdout_then_sigterm()
print('1..7')
sys.exit(failed)
