/* SPDX-License-Identifier: MIT */
/*
 * How far into an ELF64 input its structure reaches: the header, the
 * program headers and the file bytes of every PT_LOAD (and PT_NOTE, when
 * asked) segment, clamped to the input. fuzz_structured_end() of the ELF
 * targets (fuzz_replay.h).
 */
#ifndef FERRY_FUZZ_ELF_END_H
#define FERRY_FUZZ_ELF_END_H

#include <elf.h>
#include <string.h>

static inline size_t fuzz_elf_max_end(size_t a, uint64_t off, uint64_t len,
				      size_t size)
{
	uint64_t end;

	if (__builtin_add_overflow(off, len, &end) || end > size)
		end = size;
	return end > a ? (size_t)end : a;
}

static inline size_t fuzz_elf_end(const uint8_t *data, size_t size,
				  int with_notes)
{
	size_t end = sizeof(Elf64_Ehdr);
	Elf64_Ehdr eh;
	unsigned int i;

	if (size < sizeof(eh))
		return size;
	memcpy(&eh, data, sizeof(eh));
	end = fuzz_elf_max_end(end, eh.e_phoff,
			       (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), size);
	for (i = 0; i < eh.e_phnum; i++) {
		uint64_t at = eh.e_phoff + (uint64_t)i * sizeof(Elf64_Phdr);
		Elf64_Phdr ph;

		if (at < eh.e_phoff || at > size || size - at < sizeof(ph))
			break;
		memcpy(&ph, data + at, sizeof(ph));
		if (ph.p_type == PT_LOAD ||
		    (with_notes && ph.p_type == PT_NOTE))
			end = fuzz_elf_max_end(end, ph.p_offset, ph.p_filesz,
					       size);
	}
	return end;
}

#endif
