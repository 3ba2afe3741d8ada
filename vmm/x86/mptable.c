// SPDX-License-Identifier: MIT
/* Intel MultiProcessor Specification 1.4 tables: CPUs and IRQ routing. */
#include <errno.h>
#include "layout.h"
#include "mptable.h"

struct mpf_intel {
	char signature[4]; /* "_MP_" */
	uint32_t physptr;
	uint8_t length; /* in 16-byte units */
	uint8_t specification;
	uint8_t checksum;
	uint8_t feature[5];
} __attribute__((packed));

struct mpc_table {
	char signature[4]; /* "PCMP" */
	uint16_t length;
	uint8_t spec;
	uint8_t checksum;
	char oem[8];
	char productid[12];
	uint32_t oemptr;
	uint16_t oemsize;
	uint16_t oemcount; /* number of entries */
	uint32_t lapic;
	uint32_t reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type, apicid, apicver, cpuflag;
	uint32_t cpufeature, featureflag, reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type, busid;
	char bustype[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type, apicid, apicver, flags;
	uint32_t apicaddr;
} __attribute__((packed));

struct mpc_intsrc {
	uint8_t type, irqtype;
	uint16_t irqflag;
	uint8_t srcbus, srcbusirq, dstapic, dstirq;
} __attribute__((packed));

static_assert(sizeof(struct mpf_intel) == 16, "MP floating pointer");
static_assert(sizeof(struct mpc_table) == 44, "MP config header");
static_assert(sizeof(struct mpc_cpu) == 20, "MP processor entry");

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_IRQ_INT = 0, MP_IRQ_NMI = 1, MP_IRQ_EXTINT = 3 };

#define CPU_ENABLED 1
#define CPU_BSP 2
#define PCI_BUS_ID 0
#define ISA_BUS_ID 1
#define IRQ_LEVEL_HIGH 0x0d /* trigger: level (3 << 2), polarity: high (1) */
#define LAPIC_VERSION 0x14
#define IOAPIC_VERSION 0x11
#define ALL_LAPICS 0xff

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

static uint8_t *add_bus(uint8_t *p, uint8_t id, const char *type)
{
	struct mpc_bus *b = (struct mpc_bus *)p;

	b->type = MP_BUS;
	b->busid = id;
	memcpy(b->bustype, type, 6);
	return p + sizeof(*b);
}

int mptable_write(void *dst, size_t max, uint32_t gpa, unsigned int nr_cpus,
		  const struct mptable_pci_irq *pci, unsigned int nr_pci)
{
	size_t need = sizeof(struct mpf_intel) + sizeof(struct mpc_table) +
		      nr_cpus * sizeof(struct mpc_cpu) +
		      2 * sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +
		      (MPTABLE_ISA_IRQS + nr_pci + 2) *
			      sizeof(struct mpc_intsrc);
	uint8_t *p = dst;
	struct mpf_intel *mpf = dst;
	struct mpc_table *mpc;
	uint16_t entries = 0;
	unsigned int i;

	if (need > max || nr_cpus == 0 || nr_cpus > 254 ||
	    nr_pci > MPTABLE_MAX_PCI_IRQS)
		return -E2BIG;
	memset(dst, 0, need);

	mpc = (struct mpc_table *)(p + sizeof(*mpf));
	p = (uint8_t *)(mpc + 1);
	for (i = 0; i < nr_cpus; i++, entries++) {
		struct mpc_cpu *c = (struct mpc_cpu *)p;

		c->type = MP_PROCESSOR;
		c->apicid = (uint8_t)i;
		c->apicver = LAPIC_VERSION;
		c->cpuflag = CPU_ENABLED | (i == 0 ? CPU_BSP : 0);
		c->cpufeature = 0x600;	 /* family 6 */
		c->featureflag = 0x201; /* FPU, APIC */
		p += sizeof(*c);
	}
	p = add_bus(p, PCI_BUS_ID, "PCI   ");
	p = add_bus(p, ISA_BUS_ID, "ISA   ");
	entries += 2;
	{
		struct mpc_ioapic *io = (struct mpc_ioapic *)p;

		io->type = MP_IOAPIC;
		io->apicid = (uint8_t)nr_cpus;
		io->apicver = IOAPIC_VERSION;
		io->flags = 1;
		io->apicaddr = (uint32_t)X86_IOAPIC_GPA;
		p += sizeof(*io);
		entries++;
	}
	for (i = 0; i < MPTABLE_ISA_IRQS; i++, entries++) {
		struct mpc_intsrc *s = (struct mpc_intsrc *)p;

		s->type = MP_INTSRC;
		s->irqtype = MP_IRQ_INT;
		s->srcbus = ISA_BUS_ID;
		s->srcbusirq = (uint8_t)i;
		s->dstapic = (uint8_t)nr_cpus;
		s->dstirq = (uint8_t)i;
		p += sizeof(*s);
	}
	for (i = 0; i < nr_pci; i++, entries++) {
		struct mpc_intsrc *s = (struct mpc_intsrc *)p;

		s->type = MP_INTSRC;
		s->irqtype = MP_IRQ_INT;
		s->irqflag = IRQ_LEVEL_HIGH;
		s->srcbus = PCI_BUS_ID;
		/* PCI source IRQ: device number and INTx pin (0 = INTA). */
		s->srcbusirq = (uint8_t)(pci[i].slot << 2 | (pci[i].pin - 1));
		s->dstapic = (uint8_t)nr_cpus;
		s->dstirq = pci[i].ioapic_pin;
		p += sizeof(*s);
	}
	for (i = 0; i < 2; i++, entries++) {
		struct mpc_intsrc *s = (struct mpc_intsrc *)p;

		s->type = MP_LINTSRC;
		s->irqtype = i == 0 ? MP_IRQ_EXTINT : MP_IRQ_NMI;
		s->srcbus = ISA_BUS_ID;
		s->dstapic = ALL_LAPICS;
		s->dstirq = (uint8_t)i; /* LINT0, LINT1 */
		p += sizeof(*s);
	}

	memcpy(mpc->signature, "PCMP", 4);
	mpc->length = (uint16_t)(p - (uint8_t *)mpc);
	mpc->spec = 4;
	memcpy(mpc->oem, "FERRY   ", 8);
	memcpy(mpc->productid, "ferry       ", 12);
	mpc->oemcount = entries;
	mpc->lapic = (uint32_t)X86_LAPIC_GPA;
	mpc->checksum = checksum(mpc, mpc->length);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->physptr = gpa + (uint32_t)sizeof(*mpf);
	mpf->length = 1;
	mpf->specification = 4;
	mpf->checksum = checksum(mpf, sizeof(*mpf));
	return (int)need;
}
