/* SPDX-License-Identifier: MIT */
/* A tiny Linux-like kernel ELF for tests: high virtual, low physical, notes. */
#ifndef FERRY_TEST_PVH_ELF_H
#define FERRY_TEST_PVH_ELF_H

#include <elf.h>
#include <string.h>

#define KELF_PADDR 0x1000000ULL
#define KELF_VADDR 0xffffffff81000000ULL
#define KELF_ENTRY (KELF_PADDR + 0x40) /* the PVH entry: inside the text */

/* Headers, then a note segment, then the text segment's bytes. */
struct kelf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3];
	/* Notes: a decoy ("Xen", another type), one "XenX", then the entry. */
	uint8_t notes[3 * 12 + 4 + 8 + 4 + 8 + 4 + 8];
	uint8_t text[256];
};

static inline void kelf_note(uint8_t **p, const char *name, uint32_t namesz,
			     uint32_t type, const void *desc, uint32_t descsz)
{
	uint32_t h[3] = { namesz, descsz, type };

	memcpy(*p, h, sizeof(h));
	*p += sizeof(h);
	memcpy(*p, name, namesz);
	*p += (namesz + 3) & ~3u;
	memcpy(*p, desc, descsz);
	*p += (descsz + 3) & ~3u;
}

/* @entry_len: 8 (64-bit kernels), 4, or anything to test refusals. */
static inline void kelf_make(struct kelf *k, uint64_t entry, uint32_t entry_len)
{
	uint64_t decoy = 0xffffffff80000000ULL;
	uint8_t *p = k->notes;
	unsigned int i;

	memset(k, 0, sizeof(*k));
	memcpy(k->eh.e_ident, ELFMAG, SELFMAG);
	k->eh.e_ident[EI_CLASS] = ELFCLASS64;
	k->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	k->eh.e_ident[EI_VERSION] = EV_CURRENT;
	k->eh.e_type = ET_EXEC;
	k->eh.e_machine = EM_X86_64;
	k->eh.e_version = EV_CURRENT;
	k->eh.e_entry = KELF_PADDR; /* physical, as Linux's */
	k->eh.e_phoff = offsetof(struct kelf, ph);
	k->eh.e_ehsize = sizeof(Elf64_Ehdr);
	k->eh.e_phentsize = sizeof(Elf64_Phdr);
	k->eh.e_phnum = 3;
	kelf_note(&p, "Xen", 4, 3, &decoy, 8);	  /* XEN_ELFNOTE_VIRT_BASE */
	kelf_note(&p, "XenX", 5, 18, &decoy, 4); /* the type, not the name */
	kelf_note(&p, "Xen", 4, 18, &entry, entry_len);
	k->ph[0].p_type = PT_NOTE;
	k->ph[0].p_offset = offsetof(struct kelf, notes);
	k->ph[0].p_filesz = (uint64_t)(p - k->notes);
	k->ph[0].p_align = 4;
	k->ph[1].p_type = PT_LOAD;
	k->ph[1].p_flags = PF_R | PF_X;
	k->ph[1].p_offset = offsetof(struct kelf, text);
	k->ph[1].p_vaddr = KELF_VADDR;
	k->ph[1].p_paddr = KELF_PADDR;
	k->ph[1].p_filesz = sizeof(k->text);
	k->ph[1].p_memsz = 0x2000; /* .bss after the text */
	k->ph[2].p_type = PT_GNU_STACK;
	for (i = 0; i < sizeof(k->text); i++)
		k->text[i] = (uint8_t)(i * 13 + 1);
}

#endif
