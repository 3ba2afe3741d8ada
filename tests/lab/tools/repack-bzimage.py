#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Make a test bzImage: the same kernel, its payload re-packed with gzip.

  repack-bzimage.py BZIMAGE OUT [--no-pvh]

The vmlinux inside BZIMAGE's xz payload is compressed again with gzip
(level 1) and put where the payload was, payload_length updated and
Linux's size trailer appended. With --no-pvh the PVH entry note's type
(XEN_ELFNOTE_PHYS32_ENTRY, 18) is changed to an unused one first, so the
kernel has no PVH entry: ferry must then boot it through the 64-bit boot
protocol at e_entry. Only the payload changes: ferry reads the setup
header and the payload; the bzImage's own decompressor is not run.
"""
import lzma
import os
import struct
import sys
import zlib


def notes(elf):
    """(offset of each note's type field, name, type) in PT_NOTE segments."""
    phoff, = struct.unpack_from('<Q', elf, 0x20)
    phnum, = struct.unpack_from('<H', elf, 0x38)
    for i in range(phnum):
        p_type, _, off, _, _, filesz = struct.unpack_from('<IIQQQQ', elf,
                                                          phoff + 56 * i)
        if p_type != 4:
            continue
        pos, end = off, off + filesz
        while pos + 12 <= end:
            namesz, descsz, typ = struct.unpack_from('<III', elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b'\0')
            yield pos + 8, name, typ
            pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4


def main():
    src, out = sys.argv[1], sys.argv[2]
    img = bytearray(open(src, 'rb').read())
    start = ((img[0x1f1] or 4) + 1) * 512 + struct.unpack_from('<I', img, 0x248)[0]
    length, = struct.unpack_from('<I', img, 0x24c)
    payload = bytes(img[start:start + length])
    want, = struct.unpack_from('<I', payload, length - 4)
    elf = bytearray(lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(payload))
    if len(elf) != want:
        sys.exit('%s: payload is not the xz vmlinux expected' % src)
    if '--no-pvh' in sys.argv[3:]:
        hits = [at for at, name, typ in notes(elf) if name == b'Xen' and typ == 18]
        if len(hits) != 1:
            sys.exit('%s: expected one PVH note, found %d' % (src, len(hits)))
        struct.pack_into('<I', elf, hits[0], 0x7ffe)
    z = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    new = z.compress(bytes(elf)) + z.flush() + struct.pack('<I', len(elf))
    img[start:start + length] = new
    struct.pack_into('<I', img, 0x24c, len(new))
    with open(out + '.tmp', 'wb') as f:
        f.write(img)
    os.replace(out + '.tmp', out)


if __name__ == '__main__':
    main()
