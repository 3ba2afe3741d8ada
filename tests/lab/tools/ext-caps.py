#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What the host shows of a PCI device's extended capabilities, as the
guest/ext-caps.c command line wants it: ext-caps.py BDF prints
"vendor=0x.. device=0x.. shown=ID@OFF,... hidden=ID@OFF,... [dsn=HEX]".

The chain is read from the device's config file in sysfs (all 4 KiB as
root), as lspci -xxxx shows it. shown= is what ferry's documented policy
(docs/vfio.md) gives a guest, read-only: AER, the serial number,
vendor-specific and designated vendor-specific capabilities; every other
one is hidden=. The walk is bounded and stops at a loop, as the kernel's.
"""
import struct
import sys

SHOWN = {0x0001, 0x0003, 0x000b, 0x0023}


def main():
    bdf = sys.argv[1]
    with open('/sys/bus/pci/devices/%s/config' % bdf, 'rb') as f:
        cfg = f.read()
    if len(cfg) < 4096:
        sys.exit('%s: only %d bytes of config space (run as root)' % (bdf, len(cfg)))
    vendor, device = struct.unpack_from('<HH', cfg, 0)
    shown, hidden, seen, dsn = [], [], set(), None
    off = 0x100
    while 0x100 <= off <= 0xffc and off not in seen and len(seen) < 960:
        seen.add(off)
        hdr, = struct.unpack_from('<I', cfg, off)
        if hdr in (0, 0xffffffff):
            break
        cid = hdr & 0xffff
        (shown if cid in SHOWN else hidden).append('%04x@%03x' % (cid, off))
        if cid == 0x0003:
            dsn, = struct.unpack_from('<Q', cfg, off + 4)
        off = (hdr >> 20) & 0xffc
    line = 'vendor=0x%04x device=0x%04x shown=%s hidden=%s' % (
        vendor, device, ','.join(shown) or 'none', ','.join(hidden) or 'none')
    if dsn is not None:
        line += ' dsn=%x' % dsn
    print(line)


if __name__ == '__main__':
    main()
