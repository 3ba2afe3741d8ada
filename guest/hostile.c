// SPDX-License-Identifier: MIT
/*
 * hostile: a guest doing what a hostile guest does to its passed-through
 * devices, while vCPUs 1..N-1 read edu's BAR0 the whole time. It needs
 * QEMU's edu (1234:11e8) and nvme (1b36:0010) passed through. vCPU 0:
 *  1. random config writes (and reads) at every offset and length of
 *     every slot, through ECAM and 0xcf8/0xcfc (the BAR registers spared:
 *     see 3), cfg=N of them (default 20000);
 *  2. D3hot (3) written at every dword of both devices' first 256 bytes,
 *     where a hidden PM capability may sit;
 *  3. nvme's BARs sized and moved at random with decode on, bars=N;
 *  4. MSI-X table writes of every bad size, unaligned and past the table,
 *     and good ones with random messages, mask flapping (nvme);
 *  5. MSI/MSI-X mode flapping (edu's MSI with every MME, nvme's MSI-X
 *     with and without the function mask), flaps=N times (default 300);
 *  6. with the readers paused, edu's BAR0 placed over the LAPIC, the
 *     IOAPIC, guest RAM, the ECAM window and nvme's BAR, each with
 *     memory decode on and a read there;
 *  7. decode-toggle storm: toggles=N (default 1000) while the readers run.
 * Then both devices are put back as they were and must work: edu's ID and
 * liveness register, nvme's capability register. Every reader's value
 * must be edu's ID or all-ones (decode off). It ends through the debug
 * port; ferry's side (fds, routes, slots, log volume) is checked by the
 * lab scenario vfio-hostile.
 */
#include "lib/edu.h"
#include "lib/guest.h"

#define CF8 0xcf8
#define CFC 0xcfc

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: any seed but 0 */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static int edu, nvme;
static volatile uint64_t edu_bar0;
static volatile int readers_go, readers_pause, readers_stop;
static volatile unsigned int readers_paused;
static volatile unsigned long reads[GUEST_MAX_CPUS], bad_reads[GUEST_MAX_CPUS];
static volatile uint32_t bad_value;

static inline void outl_(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl_(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw_(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static volatile uint8_t *ecam(unsigned int slot, unsigned int off)
{
	return (volatile uint8_t *)(uintptr_t)(pci_ecam_base() +
					       ((uint64_t)slot << 15) + off);
}

/* A config write of @len bytes through ECAM or 0xcf8/0xcfc. */
static void cfg_write(unsigned int slot, unsigned int off, unsigned int len,
		      uint32_t v, int use_cf8)
{
	if (use_cf8 && off < 256) {
		outl_(CF8, 0x80000000u | slot << 11 | (off & 0xfc));
		if (len == 1)
			outb((uint16_t)(CFC + (off & 3)), (uint8_t)v);
		else if (len == 2)
			outw_((uint16_t)(CFC + (off & 2)), (uint16_t)v);
		else
			outl_(CFC, v);
		return;
	}
	if (len == 1)
		*ecam(slot, off) = (uint8_t)v;
	else if (len == 2)
		*(volatile uint16_t *)ecam(slot, off) = (uint16_t)v;
	else
		*(volatile uint32_t *)ecam(slot, off) = v;
}

static uint32_t cfg_read(unsigned int slot, unsigned int off, unsigned int len,
			 int use_cf8)
{
	if (use_cf8 && off < 256) {
		outl_(CF8, 0x80000000u | slot << 11 | (off & 0xfc));
		return inl_(CFC) >> ((off & 3) * 8);
	}
	if (len == 1)
		return *ecam(slot, off);
	if (len == 2)
		return *(volatile uint16_t *)ecam(slot, off);
	return *(volatile uint32_t *)ecam(slot, off);
}

void secondary_main(unsigned int cpu)
{
	while (!readers_go)
		cpu_relax();
	while (!readers_stop) {
		uint32_t v;

		if (readers_pause) {
			__atomic_fetch_add(&readers_paused, 1, __ATOMIC_SEQ_CST);
			while (readers_pause && !readers_stop)
				cpu_relax();
			__atomic_fetch_sub(&readers_paused, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		v = mmio_read32(edu_bar0);
		reads[cpu]++;
		if (v != EDU_ID_VALUE && v != 0xffffffff) {
			bad_reads[cpu]++;
			bad_value = v;
		}
	}
}

/*
 * The devices' BAR and ROM registers are left to bar_abuse(): a BAR moved
 * at random could land on edu's, where the readers would see another
 * device's registers.
 */
static int is_bar(unsigned int slot, unsigned int off, unsigned int len)
{
	if ((int)slot != edu && (int)slot != nvme)
		return 0;
	return (off + len > 0x10 && off < 0x28) ||
	       (off + len > 0x30 && off < 0x34);
}

static void random_config(unsigned long n)
{
	static const unsigned int lens[3] = { 1, 2, 4 };
	unsigned long i;

	for (i = 0; i < n; i++) {
		uint64_t r = rnd();
		unsigned int len = lens[r % 3], slot, off;
		int cf8 = (r >> 2) % 4 == 0;

		/* Mostly the two devices; now and then any slot. */
		switch ((r >> 4) % 8) {
		case 0: slot = (unsigned int)(r >> 8) % 32; break;
		case 1: case 2: case 3: slot = (unsigned int)edu; break;
		default: slot = (unsigned int)nvme; break;
		}
		off = (unsigned int)(r >> 16) % 4096;
		off &= ~(len - 1);
		if (is_bar(slot, off, len))
			continue;
		if ((r >> 40) & 1)
			cfg_write(slot, off, len, (uint32_t)(r >> 32), cf8);
		else
			(void)cfg_read(slot, off, len, cf8);
	}
}

static void d3hot_everywhere(void)
{
	unsigned int off;

	for (off = 0x40; off < 0x100; off += 4) {
		cfg_write((unsigned int)edu, off, 4, 3, 0);
		cfg_write((unsigned int)nvme, off, 4, 3, 0);
	}
}

static uint64_t bar_addr(unsigned int slot, unsigned int bar)
{
	uint32_t lo = pci_cfg_read32(slot, 0x10 + 4 * bar);
	uint64_t a = lo & ~0xfULL;

	if ((lo & 0x6) == 0x4)
		a |= (uint64_t)pci_cfg_read32(slot, 0x14 + 4 * bar) << 32;
	return a;
}

/* nvme's MSI-X table: bad sizes, unaligned, past the end; good ones. */
static void msix_table_abuse(unsigned long n)
{
	unsigned int cap = pci_find_cap((unsigned int)nvme, 0x11);
	uint32_t table;
	unsigned int nr;
	uint64_t base;
	unsigned long i;

	if (!cap)
		return;
	nr = (pci_cfg_read16((unsigned int)nvme, cap + 2) & 0x7ff) + 1;
	table = pci_cfg_read32((unsigned int)nvme, cap + 4);
	base = bar_addr((unsigned int)nvme, table & 7) + (table & ~7u);
	if (!bar_addr((unsigned int)nvme, table & 7))
		return;
	pci_cfg_write16((unsigned int)nvme, 0x04, 0x0006); /* mem, master */
	for (i = 0; i < n; i++) {
		uint64_t r = rnd();
		unsigned int entry = (unsigned int)(r % (nr + 4)); /* past end */
		uint64_t a = base + entry * 16 + ((r >> 8) % 16);
		volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;

		switch ((r >> 16) % 5) {
		case 0: *p = (uint8_t)(r >> 24); break;
		case 1: *(volatile uint16_t *)(p - ((uintptr_t)p & 1)) =
				(uint16_t)(r >> 24); break;
		case 2: *(volatile uint64_t *)(uintptr_t)(a & ~7ULL) = r; break;
		default:
			*(volatile uint32_t *)(uintptr_t)(a & ~3ULL) =
				(uint32_t)(r >> 24);
			break;
		}
		if ((r >> 48) % 16 == 0) /* MSI-X on/off, function mask */
			pci_cfg_write16((unsigned int)nvme, cap + 2,
					(uint16_t)(((r >> 52) & 3) << 14));
	}
}

static void mode_flapping(unsigned long n)
{
	unsigned int msi = pci_find_cap((unsigned int)edu, 0x05);
	unsigned int msix = pci_find_cap((unsigned int)nvme, 0x11);
	unsigned long i;

	for (i = 0; i < n; i++) {
		uint64_t r = rnd();

		if (msi) {
			/* enable with every MME, random message, disable */
			pci_cfg_write32((unsigned int)edu, msi + 4,
					(uint32_t)(r >> 32) & ~3u);
			pci_cfg_write16((unsigned int)edu, msi + 2,
					(uint16_t)(1 | (((r >> 8) & 7) << 4)));
			if (r & 1)
				pci_cfg_write16((unsigned int)edu, msi + 2, 0);
		}
		if (msix) {
			pci_cfg_write16((unsigned int)nvme, msix + 2,
					(uint16_t)(0x8000 | ((r >> 3) & 1) << 14));
			if (msi && (r >> 4) & 1) /* MSI on while MSI-X is on */
				pci_cfg_write16((unsigned int)edu, msi + 2, 1);
			pci_cfg_write16((unsigned int)nvme, msix + 2, 0);
		}
	}
	if (msi)
		pci_cfg_write16((unsigned int)edu, msi + 2, 0);
	if (msix)
		pci_cfg_write16((unsigned int)nvme, msix + 2, 0);
}

static void readers_hold(int hold, unsigned int nr)
{
	readers_pause = hold;
	if (hold)
		while (readers_paused < nr - 1)
			cpu_relax();
}

/* Put edu's BAR0 where it must not hurt, decode on, and read there. */
static void hostile_placement(unsigned int nr)
{
	uint64_t places[6];
	unsigned int i;
	uint32_t home = pci_cfg_read32((unsigned int)edu, 0x10);

	places[0] = 0xfee00000; /* LAPIC */
	places[1] = 0xfec00000; /* IOAPIC */
	places[2] = 0x00100000; /* guest RAM: this very program */
	places[3] = 0x00000000;
	places[4] = pci_ecam_base();
	places[5] = bar_addr((unsigned int)nvme, 0);
	readers_hold(1, nr);
	for (i = 0; i < 6; i++) {
		pci_cfg_write16((unsigned int)edu, 0x04, 0);
		pci_cfg_write32((unsigned int)edu, 0x10, (uint32_t)places[i]);
		pci_cfg_write16((unsigned int)edu, 0x04, 0x0002);
		(void)mmio_read32(places[i] + 0x10);
		pci_cfg_write16((unsigned int)edu, 0x04, 0);
	}
	pci_cfg_write32((unsigned int)edu, 0x10, home);
	pci_cfg_write16((unsigned int)edu, 0x04, 0x0002);
	readers_hold(0, nr);
}

/*
 * nvme's BARs sized (all-ones) and moved at random in the 32-bit window,
 * never onto edu's 1 MiB, with decode on and a read at each place; the
 * readers keep reading edu meanwhile.
 */
static void bar_abuse(unsigned long n)
{
	uint32_t lo = pci_cfg_read32((unsigned int)nvme, 0x10);
	uint32_t hi = pci_cfg_read32((unsigned int)nvme, 0x14);
	unsigned long i;

	for (i = 0; i < n; i++) {
		uint64_t r = rnd();
		uint32_t a = 0xc0000000u + (uint32_t)((r % 512) << 20);

		pci_cfg_write16((unsigned int)nvme, 0x04, 0);
		pci_cfg_write32((unsigned int)nvme, 0x10, 0xffffffff);
		pci_cfg_write32((unsigned int)nvme, 0x14, 0xffffffff);
		(void)pci_cfg_read32((unsigned int)nvme, 0x10);
		if (r & 1) /* enable decode mid-sizing */
			pci_cfg_write16((unsigned int)nvme, 0x04, 0x0002);
		pci_cfg_write16((unsigned int)nvme, 0x04, 0);
		if (a == (uint32_t)(edu_bar0 & ~0xfffffULL))
			continue;
		pci_cfg_write32((unsigned int)nvme, 0x10, a);
		pci_cfg_write32((unsigned int)nvme, 0x14, 0);
		pci_cfg_write16((unsigned int)nvme, 0x04, 0x0002);
		(void)mmio_read32(a);
	}
	pci_cfg_write16((unsigned int)nvme, 0x04, 0);
	pci_cfg_write32((unsigned int)nvme, 0x10, lo);
	pci_cfg_write32((unsigned int)nvme, 0x14, hi);
}

static void decode_storm(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		pci_cfg_write16((unsigned int)edu, 0x04, 0);
		pci_cfg_write16((unsigned int)edu, 0x04, 0x0002);
	}
}

int main(void)
{
	unsigned int nr = (unsigned int)fdt_count_cpus(), i;
	unsigned long total = 0, bad = 0;
	uint32_t edu_bar, nvme_bar_lo, nvme_bar_hi;
	uint16_t nvme_cmd;

	rng ^= bootarg_ulong("seed", 1);
	edu = pci_find(EDU_VENDOR, EDU_DEVICE);
	nvme = pci_find(0x1b36, 0x0010);
	report(edu >= 0 && nvme >= 0, "edu at slot %d, nvme at slot %d", edu,
	       nvme);
	if (edu < 0 || nvme < 0)
		report_summary();
	edu_bar = pci_cfg_read32((unsigned int)edu, 0x10);
	nvme_bar_lo = pci_cfg_read32((unsigned int)nvme, 0x10);
	nvme_bar_hi = pci_cfg_read32((unsigned int)nvme, 0x14);
	nvme_cmd = pci_cfg_read16((unsigned int)nvme, 0x04);
	edu_bar0 = edu_bar & ~0xfULL;
	report(mmio_read32(edu_bar0) == EDU_ID_VALUE, "edu answers before");

	readers_go = 1;
	random_config(bootarg_ulong("cfg", 20000));
	d3hot_everywhere();
	bar_abuse(bootarg_ulong("bars", 200));
	msix_table_abuse(bootarg_ulong("msix", 2000));
	mode_flapping(bootarg_ulong("flaps", 300));
	hostile_placement(nr);
	decode_storm(bootarg_ulong("toggles", 1000));
	readers_stop = 1;

	/* Put both devices back as they were. */
	pci_cfg_write16((unsigned int)edu, 0x04, 0);
	pci_cfg_write32((unsigned int)edu, 0x10, edu_bar);
	pci_cfg_write16((unsigned int)edu, 0x04, 0x0002);
	pci_cfg_write16((unsigned int)nvme, 0x04, 0);
	pci_cfg_write32((unsigned int)nvme, 0x10, nvme_bar_lo);
	pci_cfg_write32((unsigned int)nvme, 0x14, nvme_bar_hi);
	pci_cfg_write16((unsigned int)nvme, 0x04, nvme_cmd | 0x0002);
	for (i = 1; i < nr && i < GUEST_MAX_CPUS; i++) {
		total += reads[i];
		bad += bad_reads[i];
	}
	report(nr < 2 || total > 0, "%lu BAR reads by %u vCPUs meanwhile",
	       total, nr - 1);
	report(bad == 0, "every read was edu's ID or all-ones (%lu others, "
	       "last 0x%x)", bad, bad_value);
	report(mmio_read32(edu_bar0) == EDU_ID_VALUE, "edu's ID after the storm");
	mmio_write32(edu_bar0 + 4, 0x12345678);
	report(mmio_read32(edu_bar0 + 4) == ~0x12345678u,
	       "edu's liveness register works after the storm");
	report(mmio_read32(bar_addr((unsigned int)nvme, 0)) != 0xffffffff,
	       "nvme's registers answer after the storm");
	report_summary();
}
