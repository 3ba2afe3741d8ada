// SPDX-License-Identifier: MIT
/* The x86 machine's ACPI tables: RSDP, XSDT, FADT, FACS, MADT, MCFG, VIOT. */
#include <errno.h>
#include <stdlib.h>
#include "../../devices/acpi_pm.h"
#include "../acpi.h"
#include "../log.h"
#include "../vm.h"
#include "acpi.h"
#include "board_x86.h"
#include "layout.h"

struct rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;  /* 2: ACPI 2.0 and later, with an XSDT */
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum; /* of all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));

/* Generic Address Structure. */
struct gas {
	uint8_t space, bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));

/* FADT, ACPI 6.0 (revision 6). */
struct fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t reserved0, preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk;
	struct gas x_pm1b_cnt_blk, x_pm2_cnt_blk, x_pm_tmr_blk;
	struct gas x_gpe0_blk, x_gpe1_blk, sleep_control, sleep_status;
	uint64_t hypervisor_vendor;
} __attribute__((packed));

struct facs {
	char signature[4];
	uint32_t length;
	uint32_t hardware_signature, waking_vector, global_lock, flags;
	uint64_t x_waking_vector;
	uint8_t version, reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} __attribute__((packed));

struct madt {
	struct acpi_header h;
	uint32_t lapic_addr, flags;
} __attribute__((packed));

struct madt_lapic {
	uint8_t type, length, uid, apic_id;
	uint32_t flags;
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, length, id, reserved;
	uint32_t address, gsi_base;
} __attribute__((packed));

struct madt_override {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

struct madt_lapic_nmi {
	uint8_t type, length, uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

struct mcfg {
	struct acpi_header h;
	uint8_t reserved[8];
	uint64_t ecam;
	uint16_t segment;
	uint8_t first_bus, last_bus;
	uint32_t reserved1;
} __attribute__((packed));

static_assert(sizeof(struct rsdp) == 36, "RSDP");
static_assert(sizeof(struct gas) == 12, "GAS");
static_assert(sizeof(struct fadt) == 276, "FADT 6.0");
static_assert(sizeof(struct facs) == 64, "FACS");
static_assert(sizeof(struct madt) == 44, "MADT");
static_assert(sizeof(struct madt_override) == 10, "MADT override");
static_assert(sizeof(struct madt_lapic_nmi) == 6, "MADT LAPIC NMI");
static_assert(sizeof(struct mcfg) == 60, "MCFG with one entry");

enum { MADT_LAPIC, MADT_IOAPIC, MADT_OVERRIDE, MADT_LAPIC_NMI = 4 };
#define MADT_PCAT_COMPAT 1  /* 8259 PICs present (KVM's, on LINT0) */
#define MADT_ENABLED 1
#define MADT_ALL_CPUS 0xff
#define MADT_LEVEL_HIGH 0x000d /* polarity 01 high, trigger 11 level */
#define MAX_CPUS 254	       /* the IOAPIC takes APIC ID nr_cpus */

#define GAS_IO 1
#define GAS_BYTE 1
/* FADT flags: WBINVD works, C1 (HLT) on every CPU, no fixed power or
 * sleep button, RTC wake status not fixed, reset register supported. */
#define FADT_FLAGS (1u << 0 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 10)
/* IA-PC boot architecture: legacy devices, an 8042, no VGA. */
#define FADT_BOOT_ARCH (1u << 0 | 1u << 1 | 1u << 2)
#define RESET_PORT 0xcf9
#define RESET_VALUE 0x06 /* hard reset of the CPU: pci_io.c acts on bit 2 */
#define RTC_CENTURY 0x32 /* devices/rtc.c keeps the century there */

static void rsdp_write(struct rsdp *r, uint64_t xsdt)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, ACPI_OEM_ID, 6);
	r->revision = 2;
	r->length = sizeof(*r);
	r->xsdt = xsdt;
	r->checksum = acpi_checksum(r, 20);
	r->ext_checksum = acpi_checksum(r, sizeof(*r));
}

static struct gas io_gas(uint64_t port, uint8_t bytes, uint8_t access)
{
	return (struct gas){ GAS_IO, (uint8_t)(bytes * 8), 0, access, port };
}

static void fadt_write(struct fadt *f, uint32_t facs, uint32_t dsdt)
{
	memset(f, 0, sizeof(*f));
	acpi_table_init(f, "FACP", sizeof(*f), 6);
	f->firmware_ctrl = facs;
	f->dsdt = dsdt;
	f->x_dsdt = dsdt;
	f->sci_int = X86_ACPI_SCI_IRQ;
	/* smi_cmd 0: in ACPI mode from reset, nothing to enable. */
	f->pm1a_evt_blk = X86_ACPI_PM_PORT + ACPI_PM_EVT_OFF;
	f->pm1_evt_len = ACPI_PM_EVT_LEN;
	f->x_pm1a_evt_blk = io_gas(f->pm1a_evt_blk, ACPI_PM_EVT_LEN, 0);
	f->pm1a_cnt_blk = X86_ACPI_PM_PORT + ACPI_PM_CNT_OFF;
	f->pm1_cnt_len = ACPI_PM_CNT_LEN;
	f->x_pm1a_cnt_blk = io_gas(f->pm1a_cnt_blk, ACPI_PM_CNT_LEN, 0);
	/* No PM timer (optional since ACPI 5.0A), no GPE blocks, no C2/C3. */
	f->p_lvl2_lat = 101;
	f->p_lvl3_lat = 1001;
	f->century = RTC_CENTURY;
	f->iapc_boot_arch = FADT_BOOT_ARCH;
	f->flags = FADT_FLAGS;
	f->reset_reg = io_gas(RESET_PORT, 1, GAS_BYTE);
	f->reset_value = RESET_VALUE;
	acpi_table_finish(f);
}

static void facs_write(struct facs *f)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->signature, "FACS", 4);
	f->length = sizeof(*f);
	f->version = 2;
}

static size_t madt_len(unsigned int nr_cpus)
{
	return sizeof(struct madt) + nr_cpus * sizeof(struct madt_lapic) +
	       sizeof(struct madt_ioapic) + sizeof(struct madt_override) +
	       sizeof(struct madt_lapic_nmi);
}

/*
 * Every vCPU's LAPIC (APIC ID = index), the IOAPIC with the MP table's
 * ID (nr_cpus) and GSI base 0, and the SCI's override: level,
 * active-high (KVM's IOAPIC asserts what is raised, whatever the
 * polarity, and ferry never raises it). ISA IRQs 0-15 need no other
 * override: arch_irqchip_routes() wires GSI n to IOAPIC pin n, the PIT
 * included, as the MP table says. LINT1 of every CPU is NMI.
 */
static void madt_write(void *dst, unsigned int nr_cpus)
{
	struct madt *m = dst;
	uint8_t *p = (uint8_t *)(m + 1);
	struct madt_ioapic io = {
		MADT_IOAPIC, sizeof(io), (uint8_t)nr_cpus, 0,
		(uint32_t)X86_IOAPIC_GPA, 0,
	};
	struct madt_override sci = {
		MADT_OVERRIDE, sizeof(sci), 0, X86_ACPI_SCI_IRQ,
		X86_ACPI_SCI_IRQ, MADT_LEVEL_HIGH,
	};
	struct madt_lapic_nmi nmi = {
		MADT_LAPIC_NMI, sizeof(nmi), MADT_ALL_CPUS, 0, 1,
	};
	unsigned int i;

	acpi_table_init(m, "APIC", (uint32_t)madt_len(nr_cpus), 4);
	m->lapic_addr = (uint32_t)X86_LAPIC_GPA;
	m->flags = MADT_PCAT_COMPAT;
	for (i = 0; i < nr_cpus; i++) {
		struct madt_lapic l = {
			MADT_LAPIC, sizeof(l), (uint8_t)i, (uint8_t)i,
			MADT_ENABLED,
		};

		memcpy(p, &l, sizeof(l));
		p += sizeof(l);
	}
	memcpy(p, &io, sizeof(io));
	p += sizeof(io);
	memcpy(p, &sci, sizeof(sci));
	p += sizeof(sci);
	memcpy(p, &nmi, sizeof(nmi));
	acpi_table_finish(m);
}

static void mcfg_write(struct mcfg *m, const struct pci_windows *w)
{
	memset(m, 0, sizeof(*m));
	acpi_table_init(m, "MCFG", sizeof(*m), 1);
	m->ecam = w->ecam;
	m->first_bus = 0;
	m->last_bus = (uint8_t)((w->ecam_size >> 20) - 1); /* 1 MiB a bus */
	acpi_table_finish(m);
}

/* Lay out and write the tables; see x86_acpi_build(). */
struct layout {
	uint8_t *base;
	size_t max, off;
	uint64_t gpa;
	struct x86_acpi_table *tables;
	unsigned int nr;
};

/* Room for a table of @len bytes at @align; its buffer, or NULL. */
static void *place(struct layout *l, const char *name, size_t len,
		   size_t align)
{
	size_t off = ALIGN_UP(l->off, align);
	struct x86_acpi_table *t = &l->tables[l->nr];

	if (off > l->max || len > l->max - off || l->nr == X86_ACPI_MAX_TABLES)
		return NULL;
	memcpy(t->name, name, 5);
	t->off = (uint32_t)off;
	t->len = (uint32_t)len;
	l->nr++;
	l->off = off + len;
	memset(l->base + off, 0, len);
	return l->base + off;
}

static uint64_t gpa_of(const struct layout *l, const void *p)
{
	return l->gpa + (uint64_t)((const uint8_t *)p - l->base);
}

int x86_acpi_build(const struct x86_acpi_machine *m, void *dst, size_t max,
		   uint64_t gpa, struct x86_acpi_table *tables,
		   unsigned int *nr)
{
	struct layout l = { dst, max, 0, gpa, tables, 0 };
	unsigned int nr_xsdt = m->viommu ? 4 : 3, i;
	uint64_t xsdt_entries[4];
	struct acpi_header *xsdt;
	struct rsdp *rsdp;
	struct fadt *fadt;
	struct facs *facs;
	uint8_t *dsdt, *p;
	char why[128];
	int len;

	if (m->nr_cpus == 0 || m->nr_cpus > MAX_CPUS ||
	    gpa + max > 4 * GiB)
		return -EINVAL;
	if (m->viommu && acpi_viot_check(m->viommu, why, sizeof(why))) {
		err("cannot describe the virtio-iommu: %s", why);
		return -EINVAL;
	}
	rsdp = place(&l, "rsdp", sizeof(*rsdp), 16);
	xsdt = place(&l, "xsdt", sizeof(*xsdt) + nr_xsdt * 8, 16);
	fadt = place(&l, "facp", sizeof(*fadt), 16);
	facs = place(&l, "facs", sizeof(*facs), 64); /* FACS: 64-byte aligned */
	if (!rsdp || !xsdt || !fadt || !facs)
		return -E2BIG;
	/* The DSDT's length is known once written: give it what is left. */
	dsdt = place(&l, "dsdt", 0, 16);
	if (!dsdt)
		return -E2BIG;
	len = x86_dsdt_build(&m->win, dsdt, max - (size_t)(dsdt - l.base));
	if (len < 0)
		return len;
	tables[l.nr - 1].len = (uint32_t)len;
	l.off += (size_t)len;

	p = place(&l, "apic", madt_len(m->nr_cpus), 16);
	if (!p)
		return -E2BIG;
	madt_write(p, m->nr_cpus);
	xsdt_entries[1] = gpa_of(&l, p);
	p = place(&l, "mcfg", sizeof(struct mcfg), 16);
	if (!p)
		return -E2BIG;
	mcfg_write((struct mcfg *)p, &m->win);
	xsdt_entries[2] = gpa_of(&l, p);
	if (m->viommu) {
		p = place(&l, "viot", 0, 16);
		if (!p)
			return -E2BIG;
		len = acpi_viot_write(p, max - (size_t)(p - l.base), m->viommu);
		if (len < 0)
			return len;
		tables[l.nr - 1].len = (uint32_t)len;
		l.off += (size_t)len;
		xsdt_entries[3] = gpa_of(&l, p);
	}

	facs_write(facs);
	fadt_write(fadt, (uint32_t)gpa_of(&l, facs), (uint32_t)gpa_of(&l, dsdt));
	xsdt_entries[0] = gpa_of(&l, fadt);
	acpi_table_init(xsdt, "XSDT", (uint32_t)(sizeof(*xsdt) + nr_xsdt * 8),
			1);
	for (i = 0; i < nr_xsdt; i++)
		memcpy((uint8_t *)(xsdt + 1) + i * 8, &xsdt_entries[i], 8);
	acpi_table_finish(xsdt);
	rsdp_write(rsdp, gpa_of(&l, xsdt));
	*nr = l.nr;
	return (int)l.off;
}

static struct x86_acpi_machine machine_of(const struct board_config *cfg,
					  const struct guest_mem *mem,
					  unsigned int nr_cpus)
{
	return (struct x86_acpi_machine){
		.nr_cpus = nr_cpus,
		.win = x86_pci_windows(mem),
		/* A vIOMMU with nothing behind it has no VIOT to give. */
		.viommu = cfg->viommu && cfg->viommu->nr_ranges ? cfg->viommu
								 : NULL,
	};
}

/* One sentence for the user when @m cannot be described. */
static void explain(const struct x86_acpi_machine *m, int ret)
{
	if (m->nr_cpus > MAX_CPUS)
		err("ACPI describes at most %d vCPUs (the IOAPIC takes the "
		    "next APIC ID); give fewer --cpus", MAX_CPUS);
	else
		err("cannot build the ACPI tables for %u vCPUs: %s",
		    m->nr_cpus, strerror(-ret));
}

int x86_acpi_install(struct board *b, uint64_t *rsdp_gpa)
{
	struct x86_acpi_machine m =
		machine_of(&b->cfg, &b->vm->mem, b->vm->nr_vcpus);
	struct x86_acpi_table tables[X86_ACPI_MAX_TABLES];
	unsigned int nr;
	void *dst;
	int ret;

	dst = mem_gpa_to_hva(&b->vm->mem, X86_ACPI_GPA, X86_ACPI_MAX);
	ret = dst ? x86_acpi_build(&m, dst, X86_ACPI_MAX, X86_ACPI_GPA, tables,
				   &nr)
		  : -ENOMEM;
	if (ret < 0) {
		explain(&m, ret);
		return ret;
	}
	*rsdp_gpa = X86_ACPI_GPA + tables[0].off;
	dbg("ACPI: %d bytes of tables at 0x%llx", ret,
	    (unsigned long long)X86_ACPI_GPA);
	return 0;
}

int board_acpi_tables(const struct board_config *cfg,
		      const struct guest_mem *mem,
		      int (*emit)(void *ctx, const char *name, const void *data,
				  size_t len),
		      void *ctx)
{
	struct x86_acpi_machine m = machine_of(cfg, mem, cfg->cpus);
	struct x86_acpi_table tables[X86_ACPI_MAX_TABLES];
	uint8_t *buf = calloc(1, X86_ACPI_MAX);
	unsigned int i, nr;
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = x86_acpi_build(&m, buf, X86_ACPI_MAX, X86_ACPI_GPA, tables, &nr);
	if (ret < 0) {
		explain(&m, ret);
		goto out;
	}
	ret = 0;
	for (i = 0; i < nr && !ret; i++)
		ret = emit(ctx, tables[i].name, buf + tables[i].off,
			   tables[i].len);
out:
	free(buf);
	return ret;
}
