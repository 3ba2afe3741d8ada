/* SPDX-License-Identifier: MIT */
/* Kernel image loaders: ELF64 test guests and (x86) Linux bzImage. */
#ifndef FERRY_LOADER_H
#define FERRY_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "mem.h"
#include "util.h"

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

enum kernel_format { KERNEL_UNKNOWN, KERNEL_ELF64, KERNEL_BZIMAGE };

/* Guess the format from the first bytes of an image of @size bytes. */
enum kernel_format loader_detect(const void *buf, size_t size);

/*
 * Check an ELF64 executable for @machine (EM_X86_64, EM_AARCH64) in
 * @buf/@size against the layout @mem (backing not needed), and describe
 * it in @img. Every PT_LOAD segment must lie in RAM, miss every
 * @reserved range and every other segment, and have p_vaddr == p_paddr
 * (test guests run identity-mapped); the entry point must be in an
 * executable segment. On failure a one-sentence reason is written to
 * @why and -ENOEXEC (not an ELF64 executable for this machine) or
 * -EINVAL (a bad or misplaced segment) is returned. Never reads outside
 * @buf, whatever it holds.
 */
int elf_check(const struct guest_mem *mem, const void *buf, size_t size,
	      uint16_t machine, const struct gpa_range *reserved,
	      unsigned int nr_reserved, struct elf_image *img, char *why,
	      size_t whylen) __must_check;

/* elf_check(), then copy the segments into @mem's backing. */
int elf_load(const struct guest_mem *mem, const void *buf, size_t size,
	     uint16_t machine, const struct gpa_range *reserved,
	     unsigned int nr_reserved, struct elf_image *img, char *why,
	     size_t whylen) __must_check;

#endif
