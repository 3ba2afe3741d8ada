// SPDX-License-Identifier: MIT
/*
 * high-ram: RAM above 4 GiB works. The test gives --memory above 3 GiB
 * and says how much it expects above 4 GiB (high_mib=N). The guest checks
 * the device tree's two memory nodes, maps the high RAM (ferry's page
 * tables cover only the low 4 GiB), writes a pattern into every 2 MiB
 * page there and into low RAM, reads both back (no aliasing), and checks
 * that the byte after the last one of RAM is not RAM.
 */
#include <libfdt.h>
#include "lib/guest.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define LOW_END (3 * GiB)
#define HIGH 0x100000000ULL
#define STEP (2 * MiB)
#define LOW_FROM (64 * MiB) /* above the guest image and its stacks */

static int memory_node(const char *path, uint64_t *base, uint64_t *size)
{
	int node = fdt_path_offset(guest_fdt, path), len;
	const fdt64_t *reg;

	if (node < 0)
		return 0;
	reg = fdt_getprop(guest_fdt, node, "reg", &len);
	if (!reg || len != 16)
		return 0;
	*base = fdt64_ld(&reg[0]);
	*size = fdt64_ld(&reg[1]);
	return 1;
}

static uint64_t pattern(uint64_t gpa)
{
	return gpa * 0x9e3779b97f4a7c15ULL ^ 0x5a5a5a5a5a5a5a5aULL;
}

static volatile uint64_t *at(uint64_t gpa)
{
	return (volatile uint64_t *)(uintptr_t)gpa;
}

/* Write (or with @check, verify) the first and last word of each page. */
static unsigned long sweep(uint64_t from, uint64_t to, int check)
{
	unsigned long bad = 0;
	uint64_t a;

	for (a = from; a < to; a += STEP) {
		uint64_t last = a + STEP - 8;

		if (!check) {
			*at(a) = pattern(a);
			*at(last) = pattern(last);
			continue;
		}
		if (*at(a) != pattern(a) || *at(last) != pattern(last)) {
			if (bad++ < 4)
				printf_("high-ram: 0x%lx reads 0x%lx\n",
					(unsigned long)a,
					(unsigned long)*at(a));
		}
	}
	return bad;
}

int main(void)
{
	uint64_t want = bootarg_ulong("high_mib", 0) * MiB;
	uint64_t base = 0, size = 0, low_size = 0, end, g;
	unsigned long bad;
	int mapped = 1, ok;

	report(memory_node("/memory@0", &base, &low_size) && base == 0 &&
		       low_size == LOW_END,
	       "memory@0: 3 GiB below the MMIO hole");
	ok = memory_node("/memory@100000000", &base, &size) && base == HIGH &&
	     want && size == want;
	report(ok, "memory@100000000: %lu MiB (high_mib=%lu)",
	       (unsigned long)(size / MiB), (unsigned long)(want / MiB));
	if (!ok)
		report_summary();
	end = HIGH + size;
	/* Map the high RAM and the GiB where it ends, for the probe after. */
	for (g = HIGH; g <= end; g += GiB)
		mapped &= map_gib(g) == 0;
	report(mapped, "mapped [4 GiB, 0x%lx]", (unsigned long)end);
	if (!mapped)
		report_summary();

	sweep(HIGH, end, 0);
	sweep(LOW_FROM, LOW_END, 0);
	bad = sweep(HIGH, end, 1);
	report(bad == 0, "%lu MiB above 4 GiB read back what was written "
	       "(%lu pages wrong)", (unsigned long)(size / MiB), bad);
	bad = sweep(LOW_FROM, LOW_END, 1);
	report(bad == 0, "low RAM kept its own pattern (%lu pages wrong)", bad);
	report(*at(end) == ~0ULL && *at(end - 8) == pattern(end - 8),
	       "RAM ends at 0x%lx: the next byte reads all-ones",
	       (unsigned long)end);
	report_summary();
}
