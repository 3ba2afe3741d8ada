/* SPDX-License-Identifier: MIT */
/* Kernel image formats and the ELF64 loader of test guests. */
#ifndef FERRY_LOADER_H
#define FERRY_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "mem.h"
#include "util.h"

/* The most program headers an ELF64 image may have. */
#define ELF_MAX_PHDRS 64

/* A guest-physical range a loader must not write (boot data, holes). */
struct gpa_range {
	uint64_t gpa;
	uint64_t len;
};

struct elf_image {
	uint64_t entry;	  /* guest-physical entry point */
	uint64_t lo, hi;  /* lowest and one past highest loaded byte */
	unsigned int nr_segments;
};

enum kernel_format {
	KERNEL_UNKNOWN,
	KERNEL_ELF64,
	KERNEL_BZIMAGE,	    /* Linux x86 */
	KERNEL_ARM64_IMAGE, /* Linux arm64 */
};

/* Guess the format from the first bytes of an image of @size bytes. */
enum kernel_format loader_detect(const void *buf, size_t size);

/* How an ELF64 image must be laid out to load. */
struct elf_rules {
	uint16_t machine; /* EM_X86_64, EM_AARCH64 */
	const struct gpa_range *reserved; /* no segment may touch these */
	unsigned int nr_reserved;
	/*
	 * 0: a test guest, run identity-mapped: p_vaddr == p_paddr, and
	 * e_entry must be in an executable segment. 1: a kernel that pages
	 * itself (Linux's vmlinux): segments load at p_paddr whatever
	 * p_vaddr says, and @entry (a physical address its boot protocol
	 * gave, e.g. the PVH note's) must be in an executable segment.
	 */
	int physical;
	uint64_t entry;
	/* 1: the entry is not known yet (checked later): not checked. */
	int any_entry;
};

/*
 * Check an ELF64 executable in @buf/@size against @rules and the layout
 * @mem (backing not needed), and describe it in @img. Every PT_LOAD
 * segment must lie in RAM and miss every reserved range and every other
 * segment. On failure a one-sentence reason is written to @why and
 * -ENOEXEC (not an ELF64 executable for this machine) or -EINVAL (a bad
 * or misplaced segment) is returned. Never reads outside @buf, whatever
 * it holds.
 */
int elf_check(const struct guest_mem *mem, const void *buf, size_t size,
	      const struct elf_rules *rules, struct elf_image *img, char *why,
	      size_t whylen) __must_check;

/* elf_check(), then copy the segments into @mem's backing. */
int elf_load(const struct guest_mem *mem, const void *buf, size_t size,
	     const struct elf_rules *rules, struct elf_image *img, char *why,
	     size_t whylen) __must_check;

/*
 * Find the first ELF note named @name (e.g. "Xen", without the NUL) of
 * @type in the PT_NOTE segments of the ELF64 file @buf/@size (headers
 * not yet checked: this checks what it reads). On success *@desc points
 * into @buf at its *@desc_len bytes of descriptor and 1 is returned; 0
 * if there is no such note; -ENOEXEC with one sentence in @why if the
 * file or a note segment is malformed. Never reads outside @buf.
 */
int elf_find_note(const void *buf, size_t size, const char *name,
		  uint32_t type, const uint8_t **desc, uint32_t *desc_len,
		  char *why, size_t whylen) __must_check;

#endif
