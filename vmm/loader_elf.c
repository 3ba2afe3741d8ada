// SPDX-License-Identifier: MIT
/* ELF64 loader for test guests; the input is untrusted (fuzzed). */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include "loader.h"
#include "log.h"

enum kernel_format loader_detect(const void *buf, size_t size)
{
	const uint8_t *b = buf;

	if (size >= SELFMAG && memcmp(b, ELFMAG, SELFMAG) == 0)
		return KERNEL_ELF64;
	/* Linux x86 boot protocol: "HdrS" at 0x202 in the setup header. */
	if (size >= 0x206 && memcmp(b + 0x202, "HdrS", 4) == 0)
		return KERNEL_BZIMAGE;
	/* Linux arm64 boot protocol: "ARM\x64" at 56 in the Image header. */
	if (size >= 64 && memcmp(b + 56, "ARM\x64", 4) == 0)
		return KERNEL_ARM64_IMAGE;
	return KERNEL_UNKNOWN;
}

static int check_ehdr(const Elf64_Ehdr *eh, size_t size, uint16_t machine,
		      char *why, size_t whylen)
{
	uint64_t phend;

	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return why_set(why, whylen, -ENOEXEC, "it is a 32-bit ELF file; "
			    "ferry loads ELF64 executables");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return why_set(why, whylen, -ENOEXEC, "it is a big-endian ELF file");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT)
		return why_set(why, whylen, -ENOEXEC, "unknown ELF version %u",
			    eh->e_ident[EI_VERSION]);
	if (eh->e_machine != machine)
		return why_set(why, whylen, -ENOEXEC,
			    "it is built for ELF machine %u, this host needs %u",
			    eh->e_machine, machine);
	if (eh->e_type == ET_DYN)
		return why_set(why, whylen, -ENOEXEC, "it is position-independent "
			    "(ET_DYN); link it with -no-pie at a fixed address");
	if (eh->e_type != ET_EXEC)
		return why_set(why, whylen, -ENOEXEC, "it is not an executable "
			    "(ELF type %u)", eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return why_set(why, whylen, -ENOEXEC,
			    "program header size %u is not %zu",
			    eh->e_phentsize, sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHDRS)
		return why_set(why, whylen, -ENOEXEC,
			    "it has %u program headers (1 to %d allowed)",
			    eh->e_phnum, ELF_MAX_PHDRS);
	if (__builtin_add_overflow(eh->e_phoff,
				   (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr),
				   &phend) ||
	    phend > size)
		return why_set(why, whylen, -ENOEXEC,
			    "it is truncated: program headers end past the "
			    "file's %zu bytes", size);
	return 0;
}

static int check_segment(const struct guest_mem *mem, const Elf64_Phdr *ph,
			 unsigned int idx, size_t size,
			 const struct elf_rules *rules, char *why, size_t whylen)
{
	const struct gpa_range *reserved = rules->reserved;
	uint64_t end;
	unsigned int i;

	if (ph->p_filesz > ph->p_memsz)
		return why_set(why, whylen, -EINVAL, "segment %u has more file "
			    "bytes than memory bytes", idx);
	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &end) ||
	    end > size)
		return why_set(why, whylen, -EINVAL, "it is truncated: segment %u "
			    "ends past the file's %zu bytes", idx, size);
	if (!rules->physical && ph->p_vaddr != ph->p_paddr)
		return why_set(why, whylen, -EINVAL, "segment %u has virtual "
			    "address 0x%llx but physical 0x%llx; ferry runs "
			    "test guests identity-mapped", idx,
			    (unsigned long long)ph->p_vaddr,
			    (unsigned long long)ph->p_paddr);
	if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, &end) ||
	    !mem_contains(mem, ph->p_paddr, ph->p_memsz))
		return why_set(why, whylen, -EINVAL, "segment %u at 0x%llx "
			    "(0x%llx bytes) lies outside guest RAM; give more "
			    "--memory or relink", idx,
			    (unsigned long long)ph->p_paddr,
			    (unsigned long long)ph->p_memsz);
	for (i = 0; i < rules->nr_reserved; i++)
		if (ranges_overlap(ph->p_paddr, ph->p_memsz, reserved[i].gpa,
				   reserved[i].len))
			return why_set(why, whylen, -EINVAL, "segment %u at "
				    "0x%llx overlaps ferry's boot data at "
				    "0x%llx-0x%llx; link above it", idx,
				    (unsigned long long)ph->p_paddr,
				    (unsigned long long)reserved[i].gpa,
				    (unsigned long long)(reserved[i].gpa +
							 reserved[i].len - 1));
	return 0;
}

/*
 * Check everything and collect the loadable segments into @ph (at most
 * ELF_MAX_PHDRS); their count into *@n. Touches no guest RAM.
 */
static int check_all(const struct guest_mem *mem, const void *buf, size_t size,
		     const struct elf_rules *rules, Elf64_Phdr *ph,
		     unsigned int *nr, struct elf_image *img, char *why,
		     size_t whylen)
{
	const uint8_t *file = buf;
	uint64_t entry;
	Elf64_Ehdr eh;
	unsigned int i, j, n = 0;
	int entry_ok = 0, ret;

	memset(img, 0, sizeof(*img));
	if (size < sizeof(eh) || memcmp(file, ELFMAG, SELFMAG) != 0)
		return why_set(why, whylen, -ENOEXEC, "it is not an ELF file");
	/* Copy headers out: @buf may be unaligned, and is never trusted. */
	memcpy(&eh, file, sizeof(eh));
	ret = check_ehdr(&eh, size, rules->machine, why, whylen);
	if (ret)
		return ret;
	entry = rules->physical ? rules->entry : eh.e_entry;

	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr p;

		memcpy(&p, file + eh.e_phoff + i * sizeof(p), sizeof(p));
		if (p.p_type != PT_LOAD || p.p_memsz == 0)
			continue;
		ret = check_segment(mem, &p, i, size, rules, why, whylen);
		if (ret)
			return ret;
		for (j = 0; j < n; j++)
			if (ranges_overlap(p.p_paddr, p.p_memsz, ph[j].p_paddr,
					   ph[j].p_memsz))
				return why_set(why, whylen, -EINVAL,
					    "segment %u overlaps another "
					    "segment at 0x%llx", i,
					    (unsigned long long)ph[j].p_paddr);
		if ((p.p_flags & PF_X) && entry >= p.p_paddr &&
		    entry - p.p_paddr < p.p_memsz)
			entry_ok = 1;
		ph[n++] = p;
	}
	if (n == 0)
		return why_set(why, whylen, -ENOEXEC, "it has no loadable segment");
	if (!entry_ok && !rules->any_entry)
		return why_set(why, whylen, -EINVAL, "its entry point 0x%llx is "
			    "not inside an executable segment",
			    (unsigned long long)entry);

	img->lo = UINT64_MAX;
	for (i = 0; i < n; i++) {
		img->lo = MIN(img->lo, ph[i].p_paddr);
		img->hi = MAX(img->hi, ph[i].p_paddr + ph[i].p_memsz);
	}
	img->entry = entry;
	img->nr_segments = n;
	*nr = n;
	return 0;
}

int elf_check(const struct guest_mem *mem, const void *buf, size_t size,
	      const struct elf_rules *rules, struct elf_image *img, char *why,
	      size_t whylen)
{
	Elf64_Phdr ph[ELF_MAX_PHDRS];
	unsigned int n;

	return check_all(mem, buf, size, rules, ph, &n, img, why, whylen);
}

int elf_load(const struct guest_mem *mem, const void *buf, size_t size,
	     const struct elf_rules *rules, struct elf_image *img, char *why,
	     size_t whylen)
{
	Elf64_Phdr ph[ELF_MAX_PHDRS];
	const uint8_t *file = buf;
	unsigned int i, n;
	int ret;

	ret = check_all(mem, buf, size, rules, ph, &n, img, why, whylen);
	if (ret)
		return ret;
	/* All checks passed: only now touch guest RAM. */
	for (i = 0; i < n; i++) {
		uint8_t *dst = mem_gpa_to_hva(mem, ph[i].p_paddr, ph[i].p_memsz);

		if (!dst)
			return why_set(why, whylen, -EINVAL, "guest RAM has no "
				       "backing for segment %u", i);
		memcpy(dst, file + ph[i].p_offset, ph[i].p_filesz);
		memset(dst + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
	}
	return 0;
}
