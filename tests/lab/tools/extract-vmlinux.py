#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the vmlinux inside a Linux x86 bzImage (the lab's PVH kernel).

  extract-vmlinux.py BZIMAGE OUT

Reads the setup header (boot protocol 2.08+): the compressed kernel is
payload_length bytes at payload_offset past the setup sectors, and ends
with its decompressed size (32 bits, little-endian). Only xz and gzip
payloads (Debian's is xz); fails on anything else.
"""
import lzma
import os
import struct
import sys
import zlib


def main():
    src, out = sys.argv[1], sys.argv[2]
    img = open(src, 'rb').read()
    if img[0x202:0x206] != b'HdrS':
        sys.exit('%s: no Linux setup header' % src)
    setup_sects = img[0x1f1] or 4
    off, length = struct.unpack_from('<II', img, 0x248)
    start = (setup_sects + 1) * 512 + off
    payload = img[start:start + length]
    if len(payload) != length or length < 8:
        sys.exit('%s: truncated payload' % src)
    want = struct.unpack_from('<I', payload, length - 4)[0]
    if payload.startswith(b'\xfd7zXZ\x00'):
        data = lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(payload, want + 1)
    elif payload.startswith(b'\x1f\x8b'):
        data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(payload, want + 1)
    else:
        sys.exit('%s: payload is neither xz nor gzip' % src)
    if len(data) != want or data[:4] != b'\x7fELF':
        sys.exit('%s: payload gave %d bytes, not a %d-byte ELF' %
                 (src, len(data), want))
    with open(out + '.tmp', 'wb') as f:
        f.write(data)
    os.replace(out + '.tmp', out)


if __name__ == '__main__':
    main()
