// SPDX-License-Identifier: MIT
/*
 * bar-race: vCPUs 1..N-1 read edu's BAR0 (ID register) without pause
 * while vCPU 0 turns memory decode off and on toggles=N times (default
 * 1000). All vCPUs first touch the BAR together after a barrier, so they
 * fault on it at once.
 *
 * vCPU 0 moves `phase` through 4k (on), 4k+1 (turning off), 4k+2 (off),
 * 4k+3 (turning on). A reader that sees the same phase before and after
 * its read knows the read lay wholly inside it: in "on" it must return
 * the ID, in "off" all-ones (an unsupported request). vCPU 0 waits for a
 * reader to see each "on" and each "off" before moving on, so every
 * enable window is touched (ferry's --stats: one installation each).
 */
#include "lib/edu.h"
#include "lib/guest.h"

#define SPINS 200000000UL

static volatile uint64_t bar0;
static volatile uint32_t phase;
static volatile int go, done;
static volatile unsigned int arrived, first_ok;
static volatile uint32_t seen_on_phase = 0xffffffff, seen_off_phase;
static volatile unsigned long good_on[GUEST_MAX_CPUS], good_off[GUEST_MAX_CPUS];
static volatile unsigned long bad[GUEST_MAX_CPUS];

/* The first wrong reads, for the report. */
#define MAX_SHOWN 4
static volatile unsigned int shown;
static volatile uint32_t shown_val[MAX_SHOWN], shown_phase[MAX_SHOWN];
static volatile unsigned int shown_cpu[MAX_SHOWN];
static volatile unsigned long shown_nth[MAX_SHOWN];
static volatile uint32_t shown_next[MAX_SHOWN]; /* the read right after */

/* @nth: how many reads this vCPU had made in phase @p before. */
static void wrong(unsigned int cpu, uint32_t v, uint32_t p, unsigned long nth)
{
	unsigned int i = __atomic_fetch_add(&shown, 1, __ATOMIC_SEQ_CST);

	bad[cpu]++;
	if (i < MAX_SHOWN) {
		shown_val[i] = v;
		shown_phase[i] = p;
		shown_cpu[i] = cpu;
		shown_nth[i] = nth;
		shown_next[i] = mmio_read32(bar0);
	}
}

void secondary_main(unsigned int cpu)
{
	uint32_t last = 0xffffffff; /* phase of the previous read */
	unsigned long nth = 0;

	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	while (!go)
		cpu_relax();
	if (mmio_read32(bar0) == EDU_ID_VALUE)
		__atomic_fetch_add(&first_ok, 1, __ATOMIC_SEQ_CST);
	while (!done) {
		uint32_t p1 = phase, v, p2;

		__asm__ volatile("" ::: "memory");
		v = mmio_read32(bar0);
		__asm__ volatile("" ::: "memory");
		p2 = phase;
		if (p1 != p2)
			continue;
		nth = p1 == last ? nth + 1 : 0;
		last = p1;
		if (p1 % 4 == 0) {
			if (v == EDU_ID_VALUE) {
				good_on[cpu]++;
				seen_on_phase = p1;
			} else {
				wrong(cpu, v, p1, nth);
			}
		} else if (p1 % 4 == 2) {
			if (v == 0xffffffff) {
				good_off[cpu]++;
				seen_off_phase = p1;
			} else {
				wrong(cpu, v, p1, nth);
			}
		}
	}
}

static int wait_seen(volatile uint32_t *seen, uint32_t want)
{
	unsigned long spins = SPINS;

	while (*seen != want && spins--)
		cpu_relax();
	return *seen == want;
}

int main(void)
{
	unsigned int cpus = (unsigned int)fdt_count_cpus(), i;
	unsigned long toggles = bootarg_ulong("toggles", 1000), t;
	unsigned long on = 0, off = 0, bad_reads = 0, spins = SPINS;
	int slot = pci_find(EDU_VENDOR, EDU_DEVICE), stuck = 0;
	uint16_t cmd;

	report(slot >= 0 && cpus >= 2, "edu found, %u vCPUs", cpus);
	if (slot < 0 || cpus < 2)
		report_summary();
	bar0 = pci_cfg_read32((unsigned int)slot, 0x10) & ~0xfULL;
	cmd = pci_cfg_read16((unsigned int)slot, 0x04);
	while (arrived < cpus - 1 && spins--)
		cpu_relax();
	report(arrived == cpus - 1, "%u readers ready", arrived);

	go = 1; /* everyone touches the BAR at once */
	spins = SPINS;
	while (first_ok < cpus - 1 && spins--)
		cpu_relax();
	report(first_ok == cpus - 1, "concurrent first touches all read the ID");

	for (t = 0; t < toggles && !stuck; t++) {
		phase++; /* 4k+1 */
		pci_cfg_write16((unsigned int)slot, 0x04, cmd & ~2);
		phase++; /* 4k+2: decode is off */
		stuck |= !wait_seen(&seen_off_phase, phase);
		phase++; /* 4k+3 */
		pci_cfg_write16((unsigned int)slot, 0x04, cmd);
		phase++; /* 4(k+1): decode is on */
		stuck |= !wait_seen(&seen_on_phase, phase);
	}
	done = 1;
	for (i = 1; i < cpus && i < GUEST_MAX_CPUS; i++) {
		on += good_on[i];
		off += good_off[i];
		bad_reads += bad[i];
	}
	report(!stuck, "%lu decode toggles, each one seen by a reader", t);
	for (i = 0; i < shown && i < MAX_SHOWN; i++)
		printf_("bar-race: vCPU %u read 0x%x in phase %u (%s) after "
			"%lu reads in that phase; its next read: 0x%x\n",
			shown_cpu[i], shown_val[i], shown_phase[i],
			shown_phase[i] % 4 ? "decode off" : "decode on",
			shown_nth[i], shown_next[i]);
	report(bad_reads == 0, "no wrong value (%lu reads while on returned the ID, "
	       "%lu while off returned all-ones)", on, off);
	report(on >= toggles && off >= toggles, "reads in both states");
	report(mmio_read32(bar0) == EDU_ID_VALUE, "BAR reads the ID at the end");
	report_summary();
}
