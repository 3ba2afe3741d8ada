// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a decoded vmlinux scattered into guest RAM as the
 * decoder produces it (vmm/x86/unpack_ram.c). The input is the decoded
 * image, untrusted. Whatever it holds, the sink only ever hands out room
 * inside the flat buffer or guest RAM, never more than asked; and the
 * result is what the loader would make of it: the whole image flat, or
 * every loadable segment's bytes at its physical address (the rest zero)
 * with the flat image's headers and notes as decoded.
 */
#include <elf.h>
#include <stdlib.h>
#include "x86/board_x86.h"
#include "fuzz_elf_end.h"
#include "fuzz_ram.h"
#include "fuzz_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RAM (48 * MiB)

size_t fuzz_structured_end(const uint8_t *data, size_t size)
{
	return fuzz_elf_end(data, size, 1);
}

static int inside(const uint8_t *p, size_t len, const uint8_t *base,
		  size_t size)
{
	return p >= base && (size_t)(p - base) <= size &&
	       len <= size - (size_t)(p - base);
}

/* Abort unless every segment is in RAM as the file has it. */
static void check_segments(const struct guest_mem *mem, const uint8_t *data,
			   const uint8_t *flat)
{
	Elf64_Ehdr eh;
	unsigned int i;

	memcpy(&eh, data, sizeof(eh));
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		const uint8_t *hva;
		uint64_t j;

		memcpy(&ph, data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		hva = mem_gpa_to_hva(mem, ph.p_paddr, ph.p_memsz);
		if (!hva || memcmp(hva, data + ph.p_offset, ph.p_filesz))
			abort();
		for (j = ph.p_filesz; j < ph.p_memsz; j++)
			if (hva[j])
				abort();
	}
	/* The headers, as decoded. */
	if (memcmp(flat, data, eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr)))
		abort();
}

/* Abort unless every note range of the flat image is as decoded. */
static void check_notes(const uint8_t *data, size_t size, const uint8_t *flat)
{
	Elf64_Ehdr eh;
	unsigned int i;

	memcpy(&eh, data, sizeof(eh));
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE && ph.p_offset <= size &&
		    ph.p_filesz <= size - ph.p_offset &&
		    memcmp(flat + ph.p_offset, data + ph.p_offset, ph.p_filesz))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct guest_mem *mem = fuzz_ram(FUZZ_RAM);
	struct x86_ram_sink *k;
	uint8_t *flat, *p;
	size_t off = 0;

	if (size < sizeof(Elf64_Ehdr))
		return 0; /* unpack_kernel.c never decodes less */
	k = malloc(sizeof(*k));
	flat = calloc(1, size);
	if (!k || !flat)
		goto out;
	x86_ram_sink_init(k, mem, flat, size);
	/* As the decoders do: ask for all that is left, fill what is given. */
	while (off < size) {
		size_t len = size - off, asked = len;

		p = k->sink.place(k->sink.ctx, off, &len);
		if (!p || len == 0 || len > asked ||
		    (p != flat + off && !inside(p, len, mem->base, mem->size)))
			abort();
		memcpy(p, data + off, len);
		off += len;
	}
	if (x86_ram_sink_finish(k)) {
		check_segments(mem, data, flat);
		check_notes(data, size, flat);
	} else if (memcmp(flat, data, size)) {
		abort(); /* flat: all of it, as decoded */
	}
out:
	free(k);
	free(flat);
	return 0;
}
