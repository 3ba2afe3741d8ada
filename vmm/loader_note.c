// SPDX-License-Identifier: MIT
/* ELF notes: finding one by name and type; the input is untrusted (fuzzed). */
#include <elf.h>
#include <errno.h>
#include "loader.h"
#include "log.h"

#define NOTE_MAX_PHDRS 64

/* Header fields: a note is namesz, descsz, type, then name and desc. */
struct note_hdr {
	uint32_t namesz, descsz, type;
};

/*
 * Walk the notes of one PT_NOTE segment, @seg/@len bytes of the file,
 * padded to @align (4, or 8 where the segment says so). 1 and the
 * descriptor if found, 0 if not, -ENOEXEC if a note runs past the end.
 */
static int walk(const uint8_t *seg, uint64_t len, uint64_t align,
		const char *name, uint32_t type, const uint8_t **desc,
		uint32_t *desc_len, char *why, size_t whylen)
{
	size_t want = strlen(name) + 1;
	uint64_t off = 0;

	while (len - off >= sizeof(struct note_hdr)) {
		struct note_hdr n;
		uint64_t name_off, desc_off, end;

		memcpy(&n, seg + off, sizeof(n));
		name_off = off + sizeof(n);
		/* 32-bit sizes padded in 64 bits cannot overflow. */
		desc_off = name_off + ALIGN_UP((uint64_t)n.namesz, align);
		end = desc_off + ALIGN_UP((uint64_t)n.descsz, align);
		if (desc_off + n.descsz > len)
			return why_set(why, whylen, -ENOEXEC, "an ELF note at "
				       "offset %llu of its segment runs past "
				       "the segment's end",
				       (unsigned long long)off);
		if (n.type == type && n.namesz == want &&
		    memcmp(seg + name_off, name, want) == 0) {
			*desc = seg + desc_off;
			*desc_len = n.descsz;
			return 1;
		}
		/* The last note's padding may be cut off by the segment. */
		off = MIN(end, len);
	}
	return 0;
}

int elf_find_note(const void *buf, size_t size, const char *name,
		  uint32_t type, const uint8_t **desc, uint32_t *desc_len,
		  char *why, size_t whylen)
{
	const uint8_t *file = buf;
	Elf64_Ehdr eh;
	uint64_t phend;
	unsigned int i;
	int ret;

	if (size < sizeof(eh) || memcmp(file, ELFMAG, SELFMAG) != 0 ||
	    file[EI_CLASS] != ELFCLASS64 || file[EI_DATA] != ELFDATA2LSB)
		return why_set(why, whylen, -ENOEXEC, "it is not a "
			       "little-endian ELF64 file");
	memcpy(&eh, file, sizeof(eh));
	if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum > NOTE_MAX_PHDRS ||
	    __builtin_add_overflow(eh.e_phoff,
				   (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr),
				   &phend) ||
	    phend > size)
		return why_set(why, whylen, -ENOEXEC, "its program headers are "
			       "malformed or end past the file");
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint64_t end;

		memcpy(&ph, file + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE)
			continue;
		if (__builtin_add_overflow(ph.p_offset, ph.p_filesz, &end) ||
		    end > size)
			return why_set(why, whylen, -ENOEXEC, "it is truncated: "
				       "note segment %u ends past the file's "
				       "%zu bytes", i, size);
		ret = walk(file + ph.p_offset, ph.p_filesz,
			   ph.p_align == 8 ? 8 : 4, name, type, desc, desc_len,
			   why, whylen);
		if (ret)
			return ret;
	}
	return 0;
}
