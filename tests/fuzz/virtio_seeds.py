#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seeds of fuzz_virtqueue (seeds/vq-*) in fuzz_virtqueue.c's
# input format: a queue's program, then pokes into guest RAM and pops.
# Run from this directory.
import struct


def u8(v): return struct.pack('<B', v & 0xff)
def u16(v): return struct.pack('<H', v & 0xffff)
def u32(v): return struct.pack('<I', v & 0xffffffff)


DESC, AVAIL, USED, BUF = 0x1000, 0x2000, 0x3000, 0x8000


def program(log2=3):
    return (u8(log2) + u8(0) + u8(0) + u32(DESC) + u8(0) + u32(AVAIL) +
            u8(0) + u32(USED))


def poke(off, data):
    """Write @data (under 32 bytes) at guest address @off."""
    return u8(0) + u16(off) + u8(len(data)) + data


def desc(i, addr, length, flags, nxt):
    return poke(DESC + 16 * i, struct.pack('<QIHH', addr, length, flags,
                                           nxt))


def offer(n, head, size=8):
    return (poke(AVAIL + 4 + 2 * (n % size), u16(head)) +
            poke(AVAIL + 2, u16(n + 1)))


def pop(chain=True):
    """A pop; one that gets a chain reads, writes and pushes it."""
    b = u8(2)
    if chain:
        b += u16(0) + u8(16) + u16(0) + u8(8) + u32(8)
    return b


NEXT, WRITE = 1, 2
good = program()
for n in range(6):
    good += desc(n % 8, BUF + 0x100 * n, 16, NEXT, (n + 1) % 8)
    good += desc((n + 1) % 8, BUF + 0x80 + 0x100 * n, 8, WRITE, 0)
    good += offer(n, n % 8) + pop()
good += pop(False)

loop = (program() + desc(0, BUF, 16, NEXT, 1) + desc(1, BUF, 16, NEXT, 2) +
        desc(2, BUF, 8, NEXT, 0) + offer(0, 0) + pop(False) +
        u8(4) + program() + desc(0, BUF, 16, 0, 0) + offer(0, 0) + pop())

jump = (program() + desc(0, BUF, 16, 0, 0) + poke(AVAIL + 2, u16(9)) +
        pop(False) + u8(4) + program(2) + desc(0, BUF, 16, 0, 0) +
        offer(0, 0, 4) + pop() + poke(DESC, struct.pack('<Q', 0xfffffff0)) +
        offer(1, 0, 4) + pop(False))

for name, data in (('vq-good', good), ('vq-loop', loop), ('vq-jump', jump)):
    with open('seeds/' + name, 'wb') as f:
        f.write(data)


# fuzz_viommu: requests as the guest writes them (viommu-*).
def req(body, feats=0x15, out_len=4, pin=0):
    return u8(len(body)) + u8(feats) + u16(out_len) + body + u8(pin)


def attach(dom, ep):
    return req(u8(1) + bytes(3) + u32(dom) + u32(ep) + u32(0) + bytes(4))


def detach(dom, ep):
    return req(u8(2) + bytes(3) + u32(dom) + u32(ep) + bytes(8))


def vmap(dom, start, last, phys, flags=3):
    return req(u8(3) + bytes(3) + u32(dom) + struct.pack('<QQQ', start, last,
                                                         phys) + u32(flags))


def vunmap(dom, start, last):
    return req(u8(4) + bytes(3) + u32(dom) + struct.pack('<QQ', start, last) +
               bytes(4))


def probe(ep):
    return req(u8(5) + bytes(3) + u32(ep) + bytes(64), out_len=516)


flow = (probe(8) + attach(1, 8) + vmap(1, 0x100000, 0x101fff, 0x2000) +
        vmap(1, 0x100000, 0x100fff, 0x2000) + vunmap(1, 0x100000, 0x100fff) +
        attach(1, 16) + vmap(1, 0x200000, 0x3fffff, 0x200000) +
        vunmap(1, 0, 0xffffffff) + detach(1, 8) + attach(2, 16) +
        vmap(2, 0xfee00000, 0xfee00fff, 0x1000) + vmap(2, 0x5000, 0x5fff, 0x6000))
with open('seeds/viommu-flow', 'wb') as f:
    f.write(flow)
pinned = (attach(3, 8) + vmap(3, 0x1000, 0x1fff, 0x1000)[:-1] + u8(2) +
          u16(1) + vunmap(3, 0, 0x1fff) + attach(4, 8) + detach(4, 8))
with open('seeds/viommu-pinned', 'wb') as f:
    f.write(pinned)
