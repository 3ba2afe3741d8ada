// SPDX-License-Identifier: MIT
/*
 * A bzImage's vmlinux decoded straight into guest RAM: its loadable
 * segments go to their physical addresses as the decoder produces them,
 * everything else (headers, notes, what follows) to a flat buffer the
 * size of the whole image, whose pages under the segments are never
 * touched. The decoded bytes are untrusted: nothing goes to RAM before
 * the headers have passed the checks the loader makes.
 */
#include <elf.h>
#include "../loader.h"
#include "board_x86.h"

/* Headers further into the image than this: no streaming. */
#define HDRS_MAX (64 * 1024)

static void add_seg(struct x86_ram_sink *k, uint64_t off, uint64_t end,
		    uint8_t *hva)
{
	unsigned int i = k->nr++;

	/* Sorted by file offset (at most ELF_MAX_PHDRS: insertion). */
	for (; i > 0 && k->seg[i - 1].off > off; i--)
		k->seg[i] = k->seg[i - 1];
	k->seg[i] = (struct x86_ram_seg){ off, end, hva };
}

/*
 * The headers are in (@k->have bytes): check them as the loader will,
 * and stream if every segment lies after them, apart from the others
 * in the file. Otherwise the whole image stays flat.
 */
static void decide(struct x86_ram_sink *k)
{
	const uint8_t *img = k->flat;
	struct elf_image elf;
	struct elf_rules rules;
	char why[8];
	Elf64_Ehdr eh;
	unsigned int i;

	k->state = X86_RAM_FLAT;
	memcpy(&eh, img, sizeof(eh));
	x86_linux_rules(&rules);
	rules.any_entry = 1; /* its PVH note comes later */
	if (!k->mem || !k->mem->base ||
	    elf_check(k->mem, img, k->len, &rules, &elf, why, sizeof(why)))
		return;
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint8_t *hva;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		hva = mem_gpa_to_hva(k->mem, ph.p_paddr, ph.p_memsz);
		if (!hva || ph.p_offset < k->have) {
			k->nr = 0;
			return;
		}
		if (ph.p_filesz)
			add_seg(k, ph.p_offset, ph.p_offset + ph.p_filesz, hva);
		k->bss[k->nr_bss++] = (struct x86_ram_bss){
			hva + ph.p_filesz, ph.p_memsz - ph.p_filesz };
	}
	for (i = 1; i < k->nr; i++)
		if (k->seg[i].off < k->seg[i - 1].end) {
			k->nr = 0;
			return;
		}
	k->state = X86_RAM_STREAM;
}

/* How many header bytes to wait for, from what is in so far. */
static size_t headers_end(const struct x86_ram_sink *k)
{
	Elf64_Ehdr eh;
	uint64_t end;

	if (k->have < sizeof(eh))
		return sizeof(eh);
	memcpy(&eh, k->flat, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    __builtin_add_overflow(eh.e_phoff,
				   (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr),
				   &end) ||
	    end > HDRS_MAX)
		return 0; /* no ELF as expected: flat */
	return MAX((size_t)end, sizeof(eh));
}

static uint8_t *place(void *ctx, size_t off, size_t *len)
{
	struct x86_ram_sink *k = ctx;
	struct x86_ram_seg *s;
	size_t want;

	while (k->state == X86_RAM_HEADERS) {
		k->have = off;
		want = headers_end(k);
		if (want > off && want <= k->len) {
			*len = MIN(*len, want - off);
			return k->flat + off;
		}
		if (want)
			decide(k);
		else
			k->state = X86_RAM_FLAT;
	}
	if (k->state == X86_RAM_FLAT)
		return k->flat + off;
	while (k->cur < k->nr && k->seg[k->cur].end <= off)
		k->cur++;
	if (k->cur == k->nr)
		return k->flat + off;
	s = &k->seg[k->cur];
	if (off < s->off) {
		*len = MIN(*len, s->off - off);
		return k->flat + off;
	}
	*len = MIN(*len, s->end - off);
	return s->hva + (off - s->off);
}

void x86_ram_sink_init(struct x86_ram_sink *k, const struct guest_mem *mem,
		       uint8_t *flat, size_t len)
{
	memset(k, 0, sizeof(*k));
	k->mem = mem;
	k->flat = flat;
	k->len = len;
	k->state = X86_RAM_HEADERS;
	k->sink = (struct unpack_sink){ place, k };
}

int x86_ram_sink_finish(struct x86_ram_sink *k)
{
	const uint8_t *img = k->flat;
	unsigned int i, j;
	Elf64_Ehdr eh;

	if (k->state != X86_RAM_STREAM)
		return 0;
	/* RAM is fresh, but say what the loader says: .bss is zero. */
	for (i = 0; i < k->nr_bss; i++)
		memset(k->bss[i].hva, 0, k->bss[i].len);
	/* Notes inside a segment are read from the flat image: copy them
	 * back (a few hundred bytes; their bounds as the note reader's). */
	memcpy(&eh, img, sizeof(eh));
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint64_t end;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE ||
		    __builtin_add_overflow(ph.p_offset, ph.p_filesz, &end) ||
		    end > k->len)
			continue;
		for (j = 0; j < k->nr; j++) {
			uint64_t lo = MAX(ph.p_offset, k->seg[j].off);
			uint64_t hi = MIN(end, k->seg[j].end);

			if (lo < hi)
				memcpy(k->flat + lo,
				       k->seg[j].hva + (lo - k->seg[j].off),
				       hi - lo);
		}
	}
	return 1;
}

unsigned int x86_ram_sink_iov(const struct x86_ram_sink *k, struct iovec *iov)
{
	unsigned int i, n = 0;
	size_t at = 0;

	if (k->state == X86_RAM_STREAM)
		for (i = 0; i < k->nr; i++) {
			if (k->seg[i].off > at)
				iov[n++] = (struct iovec){ k->flat + at,
							   k->seg[i].off - at };
			iov[n++] = (struct iovec){ k->seg[i].hva,
						   k->seg[i].end - k->seg[i].off };
			at = k->seg[i].end;
		}
	if (at < k->len)
		iov[n++] = (struct iovec){ k->flat + at, k->len - at };
	return n;
}
