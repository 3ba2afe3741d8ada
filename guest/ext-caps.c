// SPDX-License-Identifier: MIT
/*
 * ext-caps: walks the PCIe extended capability chain of a passed-through
 * device (vendor=, device=, hex) through ECAM and checks it against what
 * the host shows (the lab scenario reads the device's config in L1's
 * sysfs): shown=ID@OFF,... must be the guest's chain, in order (a null
 * header at 0x100 may stand for a hidden first one); hidden=ID@OFF,...
 * must not be reachable and read as zero; dsn=HEX is the serial number
 * the host reads. A shown capability is read-only: a write to AER's
 * uncorrectable mask (writable on hardware) must not stick.
 */
#include "lib/guest.h"

#define MAX_CAPS 64
#define EXT_START 0x100
#define ID_AER 0x0001
#define ID_DSN 0x0003
#define AER_UNCOR_MASK 0x08

unsigned long strtoul(const char *s, char **end, int base); /* lib/libc.c */

struct cap {
	unsigned int id, off;
};

/* "0001@100,0003@140" (hex; "none": empty) into @caps; their number. */
static unsigned int parse_list(const char *key, struct cap *caps)
{
	char buf[600], *end;
	const char *p;
	unsigned int n = 0;

	if (!bootarg_str(key, buf, sizeof(buf)))
		return 0;
	for (p = buf; *p && n < MAX_CAPS; p = end + 1) {
		caps[n].id = (unsigned int)strtoul(p, &end, 16);
		if (*end != '@')
			break;
		caps[n].off = (unsigned int)strtoul(end + 1, &end, 16);
		n++;
		if (*end != ',')
			break;
	}
	return n;
}

/* The chain as a guest driver walks it, bounded like Linux's. */
static unsigned int walk(unsigned int slot, struct cap *caps)
{
	unsigned int off = EXT_START, n = 0;
	uint32_t h;

	while (off >= EXT_START && n < MAX_CAPS) {
		h = pci_cfg_read32(slot, off);
		if (!h || h == 0xffffffffu)
			break;
		caps[n].id = h & 0xffff;
		caps[n++].off = off;
		off = (h >> 20) & 0xffc;
	}
	return n;
}

static const struct cap *find(const struct cap *caps, unsigned int n,
			      unsigned int id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (caps[i].id == id)
			return &caps[i];
	return NULL;
}

int main(void)
{
	static struct cap want[MAX_CAPS], hidden[MAX_CAPS], seen[MAX_CAPS];
	unsigned int vendor = (unsigned int)bootarg_ulong("vendor", 0);
	unsigned int device = (unsigned int)bootarg_ulong("device", 0);
	unsigned int nw, nh, ns, i, first = 0, ok;
	const struct cap *aer, *dsn;
	char want_dsn[40];
	int slot;

	slot = pci_find((uint16_t)vendor, (uint16_t)device);
	report(slot >= 0, "device %04x:%04x found on the bus", vendor, device);
	if (slot < 0)
		report_summary();
	nw = parse_list("shown", want);
	nh = parse_list("hidden", hidden);
	ns = walk((unsigned int)slot, seen);
	for (i = 0; i < ns; i++)
		printf_("GUEST-EXT %04x@%03x\n", seen[i].id, seen[i].off);
	/* A hidden first capability leaves a null header (ID 0) at 0x100. */
	if (ns && seen[0].id == 0 && seen[0].off == EXT_START) {
		report(nh && hidden[0].off == EXT_START,
		       "a null header at 0x100 stands for hidden %04x there",
		       nh ? hidden[0].id : 0);
		first = 1;
	}
	ok = ns - first == nw;
	for (i = 0; ok && i < nw; i++)
		ok = seen[first + i].id == want[i].id &&
		     seen[first + i].off == want[i].off;
	report(ok, "the chain is the host's %u shown capabilities, in order "
	       "(the guest walked %u)", nw, ns - first);
	for (i = 0; i < nh; i++) {
		uint32_t h = pci_cfg_read32((unsigned int)slot, hidden[i].off);

		report(!find(seen, ns, hidden[i].id) &&
			       (hidden[i].off == EXT_START ? (h & 0xffff) == 0
							   : h == 0),
		       "hidden %04x at 0x%03x is out of the chain and reads as "
		       "0x%x", hidden[i].id, hidden[i].off, h);
	}
	dsn = find(seen, ns, ID_DSN);
	if (bootarg_str("dsn", want_dsn, sizeof(want_dsn))) {
		uint64_t v = 0, host = strtoul(want_dsn, NULL, 16);

		if (dsn)
			v = (uint64_t)pci_cfg_read32((unsigned int)slot,
						     dsn->off + 8) << 32 |
			    pci_cfg_read32((unsigned int)slot, dsn->off + 4);
		report(dsn && v == host, "serial number 0x%lx, as the host "
		       "reads it (0x%lx)", (unsigned long)v,
		       (unsigned long)host);
	}
	aer = find(seen, ns, ID_AER);
	if (aer) {
		unsigned int reg = aer->off + AER_UNCOR_MASK;
		uint32_t mask = pci_cfg_read32((unsigned int)slot, reg);

		pci_cfg_write32((unsigned int)slot, reg, ~mask);
		report(pci_cfg_read32((unsigned int)slot, reg) == mask,
		       "AER is read-only: the uncorrectable mask stays 0x%x",
		       mask);
	}
	report_summary();
}
