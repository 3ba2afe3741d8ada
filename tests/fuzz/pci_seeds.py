#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seeds of fuzz_pci (seeds/pci-*): a device description and a
# guest's operations in fuzz_pci.c's input format. Run from this directory.
import struct


def u8(v): return struct.pack('<B', v & 0xff)
def u16(v): return struct.pack('<H', v & 0xffff)
def u32(v): return struct.pack('<I', v & 0xffffffff)


def op(case, write=0, how=0):
    """The first op byte that selects @case with the wanted flags."""
    for b in range(256):
        if b % 12 != case:
            continue
        if case <= 5:
            w = bool(b & 0x10) if case <= 2 else not (b & 0x10)
            if w == bool(write) and b % 3 == how:
                return u8(b)
        elif case in (6, 7):
            if bool(b & 0x10) == bool(write):
                return u8(b)
        else:
            return u8(b)
    raise ValueError(case)


LEN = {1: 0, 2: 1, 4: 2, 8: 3, 3: 4}


def cfg(off, val, length=4, write=1, how=0):
    return op(how, write, how) + u16(off) + \
        u8(LEN[length]) + u32(val) + u8(0)


def bar(i, off, val=0, length=4, write=0):
    return op(6, write) + u8(i) + u32(off) + u8(LEN[length]) + \
        u32(val >> 32) + u32(val)


def table(off, val, length=4, write=1):
    return op(7, write) + u16(off) + u8(LEN[length]) + u32(val)


def flap(v): return op(8) + u16(v)
def cmd(v): return op(9) + u32(v)
def efault(): return op(10)
def signal(i): return op(11) + u16(i)


def device(b0, b2, misc, areas, cap_ptr, caps):
    out = u8(b0) + u8(b2) + u8(misc) + u8(len(areas))
    for off, size in areas:
        out += u8(off) + u8(size - 1)
    out += u8(cap_ptr) + u8(len(caps))
    for off, body in caps:
        out += u8(off) + bytes(body).ljust(16, b'\0')
    return out


def msix_flap():
    caps = [(0x40, [0x05, 0x60, 0x84, 0x01]),
            (0x60, [0x11, 0x70, 0x0f, 0x00, 0x02, 0, 0, 0, 0x02, 0x10, 0, 0]),
            (0x70, [0x10, 0x00, 0x02, 0x00])]
    s = device(0x0a, 0x0a, 0x0a, [], 0x40, caps)
    s += cfg(0x44, 0xfee00000) + cfg(0x4c, 0x31, 2) + cfg(0x42, 0x21, 2)
    s += cfg(0x60, 0, 4, write=0, how=1) + cfg(0x62, 0xc00f, 2)
    for i in range(4):
        s += table(i * 16, 0xfee00000) + table(i * 16 + 8, 0x40 + i)
        s += table(i * 16 + 12, 0)
    s += cfg(0x62, 0x800f, 2) + flap(0x21) + cfg(0x62, 0x0000, 2)
    s += cfg(0x60, 0x1234, 4, write=0, how=2) + cfg(0x42, 0x00, 2)
    s += cfg(0x54, 0xffffffff, 4) + cfg(0x58, 0x5, 4, write=0)
    s += signal(1) + cfg(0x58, 0, 4, write=0)
    s += bar(0, 0x100) + efault() + efault() + bar(0, 0x104, 7, 4, 1)
    s += cfg(0x78, 0x8000, 2) + bar(0, 0x200)
    s += cmd(0) + bar(0, 0x10) + cfg(0x04, 0x7, 2) + flap(0x8003)
    s += table(0x8, 0x55, 8) + table(0x3, 1, 4) + table(0x2, 1, 2)
    return s


def caps_at_end():
    caps = [(0xf4, [0x05, 0xf8, 0x00, 0x00]),
            (0xf8, [0x11, 0xfc, 0x07, 0x00, 0x00, 0, 0, 0, 0x00, 0x08, 0, 0]),
            (0xfc, [0x05, 0x40, 0x80, 0x01]),
            (0x40, [0x01, 0xf4, 0x03, 0x00])]
    s = device(0x09, 0x01, 0x0a, [], 0xf4, caps)
    for off in range(0xf0, 0x104, 1):
        s += cfg(off, 0, 1, write=0, how=1)
    s += cfg(0xf6, 0x1, 2) + cfg(0xfa, 0x8000, 2) + cfg(0xfe, 0x1, 2)
    s += cfg(0x44, 0x3, 2) + cfg(0xfc, 0xffffffff, 4, how=2)
    s += cfg(0x100, 0xffffffff, 4, how=1) + cfg(0xffc, 0, 4, write=0)
    return s


def bars():
    caps = [(0x40, [0x11, 0x00, 0x0f, 0x00, 0x00, 0x10, 0, 0, 0x00, 0x18, 0, 0])]
    areas = [(i * 4, 3) for i in range(10)]
    s = device(0x0d, 0x12, 0x0b, areas, 0x40, caps)
    s += bar(0, 0x2000) + bar(0, 0x8000, 1, 8, 1) + bar(2, 4, 0xff, 1, 1)
    s += cfg(0x10, 0xffffffff) + cfg(0x10, 0, 4, write=0)
    s += cfg(0x10, 0xc0100000) + bar(0, 0x2000) + cmd(0x0) + cmd(0x3)
    s += cfg(0x30, 0xc0200001) + bar(6, 0x10) + bar(6, 0x10, 1, 4, 1)
    s += cfg(0x18, 0xffffffff) + cfg(0x18, 0xc001) + bar(2, 0, 0, 2)
    s += cfg(0x42, 0x8000, 2) + table(0, 0xfee00000) + table(12, 0)
    s += efault() + bar(0, 0x1000) + bar(0, 0x2000, 3, 4, 1)
    return s


for name, data in (('pci-msix-flap', msix_flap()),
                   ('pci-caps-at-end', caps_at_end()), ('pci-bars', bars())):
    with open('seeds/' + name, 'wb') as f:
        f.write(data)
