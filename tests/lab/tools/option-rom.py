#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A valid 8 KiB PCI option ROM (signature, PCI data structure, checksum) on
# stdout: Linux maps a ROM only if it finds the "PCIR" structure. Its code
# type is EFI, so L0's SeaBIOS does not run it; the x86 entry is a far
# return all the same.
import struct, sys
rom = bytearray(b'R' * 8192)
rom[0:2] = b'\x55\xaa'
rom[2] = 8192 // 512                     # image size in 512-byte units
rom[3] = 0xcb                            # init entry: retf
struct.pack_into('<H', rom, 0x18, 0x20)  # pointer to the PCI data structure
# signature, vendor, device, device list, length, revision, class code,
# image length (512-byte units), revision level, code type, indicator (last)
pcir = struct.pack('<4sHHHHB3sHHBBH', b'PCIR', 0x1234, 0x11e8, 0, 0x18, 0,
                   b'\x00\xff\x00', 8192 // 512, 0, 3, 0x80, 0)
rom[0x20:0x20 + len(pcir)] = pcir
rom[-1] = (-sum(rom[:-1])) & 0xff        # whole image sums to zero
sys.stdout.buffer.write(rom)
