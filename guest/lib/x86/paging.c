// SPDX-License-Identifier: MIT
/* Mapping guest RAM above the 4 GiB that ferry's page tables cover. */
#include "../guest.h"

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_PS (1ULL << 7)
#define ADDR_MASK 0x000ffffffffff000ULL
#define GiB (1ULL << 30)
#define POOL 8

static uint64_t pds[POOL][512] __attribute__((aligned(4096)));
static unsigned int used;

static uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

int map_gib(uint64_t gpa)
{
	/* The tables ferry built sit in identity-mapped low RAM. */
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ADDR_MASK);
	uint64_t *pdpt, *pd;
	unsigned int i;

	if (gpa & (GiB - 1) || gpa >= 512 * GiB || !(pml4[0] & PTE_P))
		return -1;
	pdpt = (uint64_t *)(uintptr_t)(pml4[0] & ADDR_MASK);
	if (pdpt[gpa / GiB] & PTE_P)
		return 0; /* already mapped */
	if (used == POOL)
		return -1;
	pd = pds[used++];
	for (i = 0; i < 512; i++)
		pd[i] = (gpa + ((uint64_t)i << 21)) | PTE_P | PTE_W | PTE_PS;
	pdpt[gpa / GiB] = (uintptr_t)pd | PTE_P | PTE_W;
	/* A new entry where there was none needs no flush; reload anyway
	 * so no stale "not present" walk is cached. */
	__asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
	return 0;
}
