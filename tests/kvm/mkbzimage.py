#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a minimal bzImage around a kernel ELF, as Linux's build would:
setup header (boot protocol 2.15, 64-bit), the ELF xz-packed with the
x86 filter and a CRC-32 check, Linux's 4-byte size trailer, and the
CRC-32 of the whole file appended.
  mkbzimage.py ELF OUT [--bad-crc] [--bad-payload]
--bad-crc flips a bit of the appended CRC; --bad-payload one in the xz
stream's check field (after the CRC is computed: a corrupted file)."""
import lzma
import struct
import sys
import zlib

elf_path, out_path = sys.argv[1:3]
flags = sys.argv[3:]
elf = open(elf_path, 'rb').read()
xz = lzma.compress(elf, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32,
                   filters=[{'id': lzma.FILTER_X86},
                            {'id': lzma.FILTER_LZMA2, 'preset': 6}])
payload = xz + struct.pack('<I', len(elf))
setup_sects = 2
setup = bytearray((setup_sects + 1) * 512)
off = 0x100  # payload_offset, from the end of the setup sectors
struct.pack_into('<B', setup, 0x1f1, setup_sects)
struct.pack_into('<H', setup, 0x1fe, 0xaa55)
setup[0x200:0x202] = b'\xeb\x66'  # jump: the header runs to 0x268
struct.pack_into('<IH', setup, 0x202, 0x53726448, 0x020f)
setup[0x211] = 0x01  # loadflags: LOADED_HIGH
struct.pack_into('<H', setup, 0x236, 0x1)  # xloadflags: XLF_KERNEL_64
struct.pack_into('<II', setup, 0x248, off, len(payload))
struct.pack_into('<Q', setup, 0x258, 0x1000000)  # pref_address
struct.pack_into('<I', setup, 0x260, 0x4000000)  # init_size
img = bytearray(setup) + bytearray(off) + bytearray(payload)
# The xz check field: the CRC-32 of the ELF, just before the index.
check = img.rfind(struct.pack('<I', zlib.crc32(elf)))
crc = zlib.crc32(bytes(img)) ^ 0xffffffff  # Linux: register, not inverted
img += struct.pack('<I', crc)
if '--bad-crc' in flags:
    img[-1] ^= 0x01
if '--bad-payload' in flags:
    img[check] ^= 0x01
open(out_path, 'wb').write(img)
