// SPDX-License-Identifier: MIT
/*
 * The x86 ACPI tables, read at the offsets of the ACPI 6.x spec (not
 * through ferry's structs): checksums, lengths, pointers, MADT entries
 * per vCPU count, MCFG, FADT, the DSDT's _PRT against the PCI layer's
 * routing and the MADT against KVM's routes, VIOT.
 */
#include <errno.h>
#include <linux/kvm.h>
#include "../../devices/acpi_pm.h"
#include "../../devices/pci.h"
#include "../../vmm/acpi.h"
#include "../../vmm/arch.h"
#include "../../vmm/board.h"
#include "../../vmm/mem.h"
#include "../../vmm/x86/acpi.h"
#include "../../vmm/x86/board_x86.h"
#include "../../vmm/x86/layout.h"
#include "test.h"

static uint8_t area[X86_ACPI_MAX + 64];
static struct x86_acpi_table tables[X86_ACPI_MAX_TABLES];
static unsigned int nr_tables;

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static struct pci_windows windows(uint64_t ram)
{
	struct guest_mem mem;

	mem_init(&mem, ram);
	if (board_layout_ram(&mem))
		printf("# cannot lay out %llu bytes\n", (unsigned long long)ram);
	return x86_pci_windows(&mem);
}

static int build(unsigned int cpus, uint64_t ram,
		 const struct board_viommu *v)
{
	struct x86_acpi_machine m = { cpus, windows(ram), v };

	memset(area, 0, sizeof(area));
	return x86_acpi_build(&m, area, X86_ACPI_MAX, X86_ACPI_GPA, tables,
			      &nr_tables);
}

static const uint8_t *table(const char *name, uint32_t *len)
{
	unsigned int i;

	for (i = 0; i < nr_tables; i++)
		if (strcmp(tables[i].name, name) == 0) {
			if (len)
				*len = tables[i].len;
			return area + tables[i].off;
		}
	return NULL;
}

static uint64_t gpa(const uint8_t *p)
{
	return X86_ACPI_GPA + (uint64_t)(p - area);
}

/* Every table: its header's length is its listed length, it sums to 0. */
static void check_tables(const char *what)
{
	unsigned int i, bad = 0;
	char msg[128];

	for (i = 0; i < nr_tables; i++) {
		const uint8_t *t = area + tables[i].off;
		uint32_t len = tables[i].len;

		if (strcmp(tables[i].name, "rsdp") == 0) {
			if (sum(t, 20) || sum(t, 36) || le(t + 20, 4) != 36)
				bad++;
			continue;
		}
		if (le(t + 4, 4) != len || (strcmp(tables[i].name, "facs") &&
					    sum(t, len)))
			bad++;
		/* Tables must not overlap: in order, each after the last. */
		if (i && tables[i].off < tables[i - 1].off + tables[i - 1].len)
			bad++;
	}
	snprintf(msg, sizeof(msg), "%s: lengths, checksums, no overlap", what);
	CHECK_MSG(bad == 0, msg);
}

static void check_pointers(int with_viot)
{
	const uint8_t *rsdp = table("rsdp", NULL), *xsdt = table("xsdt", NULL);
	const uint8_t *fadt = table("facp", NULL), *facs = table("facs", NULL);
	const uint8_t *dsdt = table("dsdt", NULL);
	const char *want[] = { "facp", "apic", "mcfg", "viot" };
	unsigned int i, n = with_viot ? 4 : 3, ok = 1;

	CHECK_MSG(rsdp == area && memcmp(rsdp, "RSD PTR ", 8) == 0 &&
			  rsdp[15] == 2,
		  "the RSDP (revision 2) comes first, at X86_ACPI_GPA");
	CHECK_MSG(X86_ACPI_GPA >= 0xe0000 && X86_ACPI_GPA % 16 == 0,
		  "the RSDP lies where Linux's scan of 0xe0000-0xfffff looks");
	CHECK_MSG(le(rsdp + 24, 8) == gpa(xsdt) && le(rsdp + 16, 4) == 0,
		  "RSDP -> XSDT (no RSDT)");
	CHECK_MSG(le(xsdt + 4, 4) == 36 + 8 * n, "XSDT: one entry a table");
	for (i = 0; i < n; i++)
		ok &= le(xsdt + 36 + 8 * i, 8) == gpa(table(want[i], NULL));
	CHECK_MSG(ok, "XSDT -> FADT, MADT, MCFG (and VIOT)");
	CHECK_MSG(le(fadt + 40, 4) == gpa(dsdt) && le(fadt + 140, 8) == gpa(dsdt),
		  "FADT -> DSDT (32 and 64 bits agree)");
	CHECK_MSG(le(fadt + 36, 4) == gpa(facs) && le(fadt + 132, 8) == 0 &&
			  gpa(facs) % 64 == 0 && le(facs + 4, 4) == 64,
		  "FADT -> FACS, 64-byte aligned");
}

static void check_fadt(void)
{
	uint32_t len = 0;
	const uint8_t *f = table("facp", &len);

	CHECK_MSG(len == 276 && f[8] == 6, "FADT: ACPI 6.0, 276 bytes");
	CHECK_MSG(le(f + 46, 2) == X86_ACPI_SCI_IRQ && le(f + 48, 4) == 0,
		  "FADT: SCI on IRQ 9, no SMI command port (ACPI mode)");
	CHECK_MSG(le(f + 56, 4) == X86_ACPI_PM_PORT + ACPI_PM_EVT_OFF &&
			  f[88] == ACPI_PM_EVT_LEN &&
			  le(f + 64, 4) == X86_ACPI_PM_PORT + ACPI_PM_CNT_OFF &&
			  f[89] == ACPI_PM_CNT_LEN,
		  "FADT: PM1a event and control blocks are acpi_pm's");
	CHECK_MSG(le(f + 152, 8) == le(f + 56, 4) && f[149] == 32 &&
			  le(f + 176, 8) == le(f + 64, 4) && f[173] == 16,
		  "FADT: X_PM1a blocks agree with the 32-bit ones");
	CHECK_MSG(le(f + 76, 4) == 0 && f[91] == 0 && le(f + 80, 4) == 0,
		  "FADT: no PM timer, no GPE block");
	CHECK_MSG(le(f + 112, 4) & (1u << 10) && f[116] == 1 &&
			  le(f + 120, 8) == 0xcf9 && (f[128] & 0x04),
		  "FADT: reset register 0xcf9, a value with the CPU-reset bit");
	CHECK_MSG(!(le(f + 112, 4) & (1u << 20)),
		  "FADT: not hardware-reduced (PC legacy: PIT, PICs)");
	CHECK_MSG((le(f + 109, 2) & 3) == 3 && f[108] == 0x32,
		  "FADT: legacy devices and an 8042; RTC century at 0x32");
}

/* MADT for @cpus vCPUs; checks against KVM's routes too. */
static void check_madt(unsigned int cpus)
{
	struct kvm_irq_routing_entry e[64];
	unsigned int first_msi, nr, i, lapics = 0, ioapics = 0, ovr = 0;
	unsigned int bad = 0, override_of[16] = { 0 };
	const uint8_t *m, *p, *end;
	uint32_t len = 0;
	char msg[128];

	if (build(cpus, 256 * MiB, NULL) < 0) {
		CHECK_MSG(0, "MADT: tables build");
		return;
	}
	m = table("apic", &len);
	end = m + len;
	snprintf(msg, sizeof(msg), "MADT for %u vCPUs: %u bytes", cpus,
		 44 + 8 * cpus + 12 + 10 + 6);
	CHECK_MSG(len == 44 + 8 * cpus + 12 + 10 + 6, msg);
	CHECK(le(m + 36, 4) == X86_LAPIC_GPA && (le(m + 40, 4) & 1));
	for (p = m + 44; p < end && p[1]; p += p[1]) {
		switch (p[0]) {
		case 0: /* LAPIC: UID, APIC ID = index, enabled */
			if (p[2] != lapics || p[3] != lapics || !(p[4] & 1))
				bad++;
			lapics++;
			break;
		case 1: /* IOAPIC: the MP table's ID, GSI base 0 */
			if (p[2] != cpus || le(p + 4, 4) != X86_IOAPIC_GPA ||
			    le(p + 8, 4) != 0)
				bad++;
			ioapics++;
			break;
		case 2:
			if (p[2] != 0 || p[3] >= 16)
				bad++;
			else
				override_of[p[3]] = (unsigned int)(le(p + 4, 4) |
							   le(p + 8, 2) << 16);
			ovr++;
			break;
		case 4: /* LINT1 NMI on all CPUs */
			if (p[2] != 0xff || p[5] != 1)
				bad++;
			break;
		default:
			bad++;
		}
	}
	snprintf(msg, sizeof(msg), "MADT for %u vCPUs: %u LAPICs, 1 IOAPIC, "
		 "1 override, well formed", cpus, cpus);
	CHECK_MSG(p == end && lapics == cpus && ioapics == 1 && ovr == 1 &&
			  bad == 0, msg);
	CHECK_MSG(override_of[X86_ACPI_SCI_IRQ] ==
			  (X86_ACPI_SCI_IRQ | 0x000du << 16),
		  "MADT: SCI (IRQ 9) on GSI 9, level, active-high");

	/* ISA IRQs without an override are GSI = IRQ: KVM's routes must
	 * send GSI n to IOAPIC pin n (the PIT's IRQ 0 included). */
	nr = arch_irqchip_routes(e, 64, &first_msi);
	bad = 0;
	for (i = 0; i < 16; i++) {
		unsigned int gsi = override_of[i] ? override_of[i] & 0xffff : i;
		unsigned int j, found = 0;

		for (j = 0; j < nr; j++)
			if (e[j].gsi == gsi &&
			    e[j].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC)
				found = e[j].u.irqchip.pin == gsi;
		bad += !found;
	}
	CHECK_MSG(bad == 0, "every ISA IRQ's GSI reaches that IOAPIC pin");
}

static void check_mcfg(void)
{
	uint32_t len = 0;
	const uint8_t *m = table("mcfg", &len);

	CHECK_MSG(len == 60 && le(m + 44, 8) == X86_PCI_ECAM_GPA &&
			  le(m + 52, 2) == 0 && m[54] == 0 && m[55] == 0,
		  "MCFG: ECAM at X86_PCI_ECAM_GPA, segment 0, bus 0 only");
}

/* DSDT parsing: just enough AML for what ferry writes. */
static size_t pkglen(const uint8_t *p, size_t *n)
{
	unsigned int extra = p[0] >> 6, i;
	size_t v;

	*n = 1 + extra;
	if (!extra)
		return p[0] & 0x3f;
	v = p[0] & 0x0f;
	for (i = 0; i < extra; i++)
		v |= (size_t)p[1 + i] << (4 + 8 * i);
	return v;
}

static uint64_t aml_int(const uint8_t **pp)
{
	const uint8_t *p = *pp;
	static const unsigned int width[] = { [0x0a] = 1, [0x0b] = 2,
					      [0x0c] = 4, [0x0e] = 8 };

	if (p[0] == 0x00 || p[0] == 0x01) {
		*pp = p + 1;
		return p[0];
	}
	if (p[0] < 0x0a || p[0] > 0x0e || !width[p[0]]) {
		*pp = p + 1;
		return ~0ULL;
	}
	*pp = p + 1 + width[p[0]];
	return le(p + 1, width[p[0]]);
}

static const uint8_t *find(const uint8_t *hay, size_t len, const void *needle,
			   size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return hay + i;
	return NULL;
}

/* The GSI of link device GSI<n>'s _CRS, and its flags; ~0 if none. */
static uint32_t link_gsi(const uint8_t *d, size_t len, unsigned int n,
			 uint8_t *flags)
{
	const uint8_t *dev, *crs;
	char name[4] = { 'G', 'S', 'I', (char)('0' + n) };
	size_t k;

	dev = find(d, len, name, 4);
	/* A device: ExtOp, DeviceOp, PkgLength, then the name. */
	while (dev && !(dev[-2] == 0x82 || dev[-3] == 0x82))
		dev = find(dev + 4, len - (size_t)(dev + 4 - d), name, 4);
	if (!dev)
		return ~0u;
	crs = find(dev, len - (size_t)(dev - d), "\x08_CRS\x11", 6);
	if (!crs)
		return ~0u;
	pkglen(crs + 6, &k);
	crs += 6 + k;
	aml_int(&crs);
	if (crs[0] != 0x89 || crs[4] != 1)
		return ~0u;
	*flags = crs[3];
	return (uint32_t)le(crs + 5, 4);
}

static const struct pci_dev_ops no_ops;

/* _PRT: 32 slots x INTA-INTD, each on the link the PCI layer routes to. */
static void check_prt(uint64_t ram)
{
	const struct pci_windows w = windows(ram);
	uint32_t len = 0;
	const uint8_t *d = table("dsdt", &len), *p;
	unsigned int entries, i, bad = 0, links_bad = 0;
	static struct pci_dev devs[PCI_SLOTS];
	struct pci_bus bus;
	size_t n;

	p = find(d, len, "\x08_PRT\x12", 6);
	CHECK_MSG(p != NULL, "DSDT: Name(_PRT, Package)");
	if (!p)
		return;
	pkglen(p + 6, &n);
	p += 6 + n;
	entries = *p++;
	CHECK_MSG(entries == 128, "_PRT: 128 entries (32 slots x 4 pins)");

	if (pci_bus_init(&bus, NULL, &w)) {
		CHECK_MSG(0, "PCI bus for the cross-check");
		return;
	}
	for (i = 0; i < entries && i < 128; i++) {
		uint64_t addr, pin, src;
		unsigned int slot = i / 4, link;

		if (p[0] != 0x12) {
			bad++;
			break;
		}
		pkglen(p + 1, &n);
		p += 1 + n;
		if (*p++ != 4) {
			bad++;
			break;
		}
		addr = aml_int(&p);
		pin = aml_int(&p);
		if (memcmp(p, "GSI", 3) != 0) {
			bad++;
			break;
		}
		link = (unsigned int)(p[3] - '0');
		p += 4;
		src = aml_int(&p);
		/* What the PCI layer routes this slot's pin to (pin 1-4). */
		if (pin == 0) {
			memset(&devs[slot], 0, sizeof(devs[slot]));
			devs[slot].name = "prt";
			devs[slot].ops = &no_ops;
		}
		devs[slot].irq_pin = (uint8_t)(pin + 1);
		pci_remove_device(&bus, &devs[slot]);
		if (pci_add_device(&bus, &devs[slot], (int)slot) ||
		    addr != ((uint64_t)slot << 16 | 0xffff) || pin != i % 4 ||
		    src != 0 || w.intx_pin_base + link != devs[slot].irq_line)
			bad++;
	}
	pthread_mutex_destroy(&bus.lock);
	CHECK_MSG(bad == 0, "_PRT: slot s pin p on the link of IOAPIC pin "
		  "16 + (s + p) % 8, as devices/pci.c routes INTx");
	for (i = 0; i < w.intx_pins; i++) {
		uint8_t flags = 0;

		if (link_gsi(d, len, i, &flags) != w.intx_pin_base + i ||
		    flags != 0x09)
			links_bad++;
	}
	CHECK_MSG(links_bad == 0, "links GSI0-7: GSI 16-23, consumer, level, "
		  "active-high, shared (as the MP table)");
}

/* PCI0's 64-bit window follows RAM; \_S5 is acpi_pm's S5. */
static void check_crs(uint64_t ram)
{
	const struct pci_windows w = windows(ram);
	uint32_t len = 0;
	const uint8_t *d, *q, *s5;
	char msg[128];
	size_t n;

	if (build(2, ram, NULL) < 0) {
		CHECK_MSG(0, "tables build");
		return;
	}
	d = table("dsdt", &len);
	q = find(d, len, "PCI0", 4);
	q = q ? find(q, len - (size_t)(q - d), "\x8a\x2b\x00", 3) : NULL;
	snprintf(msg, sizeof(msg), "%llu MiB of RAM: PCI0's 64-bit window at "
		 "0x%llx, 64 GiB", (unsigned long long)(ram >> 20),
		 (unsigned long long)w.mem64);
	CHECK_MSG(q && le(q + 14, 8) == w.mem64 &&
			  le(q + 22, 8) == w.mem64 + w.mem64_size - 1 &&
			  le(q + 38, 8) == w.mem64_size,
		  msg);
	q = find(d, len, "\x87\x17\x00", 3);
	CHECK_MSG(q && le(q + 10, 4) == X86_PCI_MEM32_GPA &&
			  le(q + 14, 4) == X86_PCI_MEM32_GPA + X86_PCI_MEM32_SIZE - 1,
		  "PCI0's 32-bit window");
	s5 = find(d, len, "\x08\\_S5_\x12", 7);
	if (s5) {
		pkglen(s5 + 7, &n);
		s5 += 7 + n + 1;
	}
	CHECK_MSG(s5 && aml_int(&s5) == ACPI_PM_S5_TYP,
		  "\\_S5's SLP_TYP is the one acpi_pm powers off on");
	check_prt(ram);
}

static void check_viot(void)
{
	struct board_viommu v = {
		.rid = 0x08, .nr_ranges = 2,
		.ranges = { { 0x10, 0x17 }, { 0x20, 0xff } },
	};
	struct board_viommu bad = v;
	uint32_t len = 0;
	const uint8_t *t, *node;
	unsigned int i;
	int ok = 1;

	CHECK(build(1, 256 * MiB, NULL) > 0 && table("viot", NULL) == NULL);
	CHECK_MSG(build(2, 256 * MiB, &v) > 0, "tables with a virtio-iommu");
	check_tables("with VIOT");
	check_pointers(1);
	t = table("viot", &len);
	CHECK_MSG(t && len == 48 + 16 + 2 * 24 && le(t + 36, 2) == 3 &&
			  le(t + 38, 2) == 48,
		  "VIOT: 3 nodes from offset 48");
	node = t + 48;
	CHECK_MSG(node[0] == 3 && le(node + 2, 2) == 16 && le(node + 4, 2) == 0 &&
			  le(node + 6, 2) == 0x08,
		  "VIOT: virtio-pci IOMMU node at 00:01.0");
	for (i = 0; i < 2; i++) {
		const uint8_t *r = t + 64 + 24 * i;

		ok &= r[0] == 1 && le(r + 2, 2) == 24 &&
		      le(r + 4, 4) == v.ranges[i].first &&
		      le(r + 6 + 2, 2) == 0 && le(r + 12, 2) == v.ranges[i].first &&
		      le(r + 14, 2) == v.ranges[i].last && le(r + 16, 2) == 48;
	}
	CHECK_MSG(ok, "VIOT: PCI ranges, endpoint ID = requester ID, output "
		  "node = the IOMMU");

	bad.ranges[1].first = 0x17;
	CHECK_MSG(build(1, 256 * MiB, &bad) == -EINVAL, "overlapping ranges");
	bad = v;
	bad.ranges[0].first = 0x18;
	CHECK_MSG(build(1, 256 * MiB, &bad) == -EINVAL, "first > last");
	bad = v;
	bad.nr_ranges = 0;
	CHECK_MSG(build(1, 256 * MiB, &bad) == -EINVAL, "no ranges");
	bad.nr_ranges = BOARD_VIOMMU_MAX_RANGES + 1;
	CHECK_MSG(build(1, 256 * MiB, &bad) == -EINVAL, "too many ranges");
}

/* Every size short of the whole fails, and nothing is written past it. */
static void check_short(void)
{
	struct x86_acpi_machine m = { 4, windows(GiB), NULL };
	struct x86_acpi_table t[X86_ACPI_MAX_TABLES];
	unsigned int nr, bad = 0;
	size_t max, full;
	int ret;

	ret = x86_acpi_build(&m, area, X86_ACPI_MAX, X86_ACPI_GPA, t, &nr);
	CHECK(ret > 0);
	full = (size_t)ret;
	for (max = 0; max < full; max++) {
		memset(area, 0x5a, full + 64);
		ret = x86_acpi_build(&m, area, max, X86_ACPI_GPA, t, &nr);
		if (ret != -E2BIG || area[max] != 0x5a)
			bad++;
	}
	CHECK_MSG(bad == 0, "every area smaller than the tables: -E2BIG, "
		  "nothing written past it");
	CHECK(x86_acpi_build(&m, area, full, X86_ACPI_GPA, t, &nr) ==
	      (int)full);
	m.nr_cpus = 0;
	CHECK_MSG(x86_acpi_build(&m, area, full, X86_ACPI_GPA, t, &nr) ==
			  -EINVAL,
		  "0 vCPUs: -EINVAL");
	m.nr_cpus = 255;
	CHECK_MSG(x86_acpi_build(&m, area, X86_ACPI_MAX, X86_ACPI_GPA, t,
				 &nr) == -EINVAL,
		  "255 vCPUs: -EINVAL (the IOAPIC needs an APIC ID)");
	m.nr_cpus = 254;
	CHECK_MSG(x86_acpi_build(&m, area, X86_ACPI_MAX, X86_ACPI_GPA, t,
				 &nr) > 0,
		  "254 vCPUs fit in X86_ACPI_MAX");
}

int main(void)
{
	static const unsigned int cpus[] = { 1, 2, 4, 254 };
	unsigned int i;

	CHECK(build(2, 256 * MiB, NULL) > 0);
	CHECK_MSG(nr_tables == 7, "seven tables without a virtio-iommu");
	check_tables("2 vCPUs");
	check_pointers(0);
	check_fadt();
	check_mcfg();
	for (i = 0; i < ARRAY_SIZE(cpus); i++)
		check_madt(cpus[i]);
	check_crs(256 * MiB);
	check_crs(4 * GiB);
	check_crs(6 * GiB);
	check_viot();
	check_short();
	printf("1..%d\n", test_count);
	return test_failed ? 1 : 0;
}
