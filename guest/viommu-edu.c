// SPDX-License-Identifier: MIT
/*
 * viommu-edu: QEMU's edu device passed through behind ferry's
 * virtio-iommu (--viommu), driven through guest mappings. The device
 * reaches nothing before ATTACH; a buffer mapped at an IOVA that is not
 * its GPA makes a DMA round trip; after UNMAP (and after DETACH) a DMA to
 * that IOVA changes neither the buffer nor the guest page at GPA == IOVA
 * (the host IOMMU faults it: the lab scenario checks L1's log). Then the
 * cost of a guest MAP + UNMAP of 4 KiB and of 2 MiB beside a request that
 * does nothing (median cycles of interleaved rounds). Needs --memory
 * of at least 512M: it uses guest RAM at fixed offsets below 256 MiB,
 * and IOVAs below 256 MiB (edu's DMA engine takes 28-bit addresses). On
 * arm64 (RAM from 2 GiB) no RAM lies at GPA == IOVA.
 */
#include <string.h>
#include "lib/edu.h"
#include "lib/guest.h"
#include "lib/virtio.h"

#define VECTOR 0x40
#define DMA_LEN 4000 /* QEMU 7.2's edu aborts on a full page */
#define SPINS 200000UL

#define DOMAIN 1
#define IOVA_SRC 0x0a000000ULL
#define IOVA_DST 0x0a001000ULL /* also guest RAM: must stay untouched */
#define GPA_2M (GUEST_RAM_BASE + 0x0c000000ULL) /* RAM nobody uses */
#define IOVA_2M 0x0e000000ULL
#define RESV_MSI 1	       /* VIRTIO_IOMMU_RESV_MEM_T_MSI */
#define ROUNDS_MAX 200

static uint8_t src[4096] __attribute__((aligned(4096)));
static uint8_t dst[4096] __attribute__((aligned(4096)));
static uint64_t bar0;
static struct vdev d;
static volatile uint32_t raised;

static uint32_t rd(unsigned int off)
{
	return mmio_read32(bar0 + off);
}

static void wr(unsigned int off, uint32_t v)
{
	mmio_write32(bar0 + off, v);
}

static void wr64(unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)(bar0 + off) = v;
}

static void edu_isr(void)
{
	uint32_t st = rd(EDU_IRQ_STATUS);

	raised |= st;
	wr(EDU_IRQ_ACK, st);
}

static int msi_enable(unsigned int slot)
{
	unsigned int cap = pci_find_cap(slot, 0x05);
	uint64_t addr;
	uint32_t data;
	uint16_t ctrl;

	if (!cap || msi_message(slot << 3, VECTOR, &addr, &data))
		return 0;
	ctrl = pci_cfg_read16(slot, cap + 2);
	pci_cfg_write32(slot, cap + 4, (uint32_t)addr);
	if (ctrl & 0x80) {
		pci_cfg_write32(slot, cap + 8, (uint32_t)(addr >> 32));
		pci_cfg_write16(slot, cap + 12, (uint16_t)data);
	} else if (addr >> 32) {
		return 0;
	} else {
		pci_cfg_write16(slot, cap + 8, (uint16_t)data);
	}
	pci_cfg_write16(slot, cap + 2, (ctrl & ~0x70) | 1);
	return (pci_cfg_read16(slot, cap + 2) & 1) == 1;
}

/* One edu DMA, completed with its interrupt: 1, or 0 if it never ended. */
static int dma(uint64_t from, uint64_t to, uint32_t len, uint32_t dir)
{
	unsigned long spins = SPINS;

	wr64(EDU_DMA_SRC, from);
	wr64(EDU_DMA_DST, to);
	wr64(EDU_DMA_COUNT, len);
	wr64(EDU_DMA_CMD, DMA_START | DMA_IRQ | dir);
	while (!(raised & IRQ_DMA) && spins--)
		irq_wait(VECTOR, irq_seen(VECTOR) + 1, 1000);
	if (!(raised & IRQ_DMA))
		return 0;
	raised &= ~(uint32_t)IRQ_DMA;
	return !(rd(EDU_DMA_CMD) & DMA_START);
}

static int all(const volatile uint8_t *p, uint8_t v, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/*
 * Fill dst and the guest page at GPA IOVA_DST (where that is RAM: x86)
 * with @v, have edu write its buffer to IOVA_DST: 1 if neither changed.
 */
static int write_reaches_nothing(uint8_t v)
{
	volatile uint8_t *same_gpa = (volatile uint8_t *)(uintptr_t)IOVA_DST;
	int ram = IOVA_DST >= GUEST_RAM_BASE;
	unsigned int i;

	memset(dst, v, sizeof(dst));
	for (i = 0; ram && i < 4096; i++)
		same_gpa[i] = v;
	dma(EDU_DMA_BUF, IOVA_DST, DMA_LEN, DMA_TO_RAM);
	return all(dst, v, sizeof(dst)) && (!ram || all(same_gpa, v, 4096));
}

static uint64_t median(uint64_t *v, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

static uint64_t t_null[ROUNDS_MAX], t_4k[ROUNDS_MAX], t_2m[ROUNDS_MAX];

/* Interleaved rounds: a request that does nothing, MAP + UNMAP 4K, 2M. */
static void bench(uint32_t ep, unsigned int rounds)
{
	unsigned int i, bad = 0;
	uint64_t t;

	for (i = 0; i < rounds; i++) {
		t = cycles();
		bad += viommu_detach(&d, DOMAIN + 1, ep) != VIOMMU_S_INVAL;
		t_null[i] = cycles() - t;
		t = cycles();
		bad += viommu_map(&d, DOMAIN, IOVA_SRC + 0x100000,
				  IOVA_SRC + 0x100fff, (uintptr_t)src,
				  VIOMMU_MAP_R) != VIOMMU_S_OK;
		bad += viommu_unmap(&d, DOMAIN, IOVA_SRC + 0x100000,
				    IOVA_SRC + 0x100fff) != VIOMMU_S_OK;
		t_4k[i] = cycles() - t;
		t = cycles();
		bad += viommu_map(&d, DOMAIN, IOVA_2M, IOVA_2M + 0x1fffff,
				  GPA_2M, VIOMMU_MAP_R | VIOMMU_MAP_W) !=
		       VIOMMU_S_OK;
		bad += viommu_unmap(&d, DOMAIN, IOVA_2M, IOVA_2M + 0x1fffff) !=
		       VIOMMU_S_OK;
		t_2m[i] = cycles() - t;
	}
	report(!bad, "%u rounds of MAP + UNMAP (4 KiB, 2 MiB)", rounds);
	printf_("bench: median " GUEST_CYCLES " cycles of %u rounds: null request %lu, "
		"map+unmap 4k %lu, map+unmap 2m %lu\n", rounds,
		(unsigned long)median(t_null, rounds),
		(unsigned long)median(t_4k, rounds),
		(unsigned long)median(t_2m, rounds));
}

int main(void)
{
	unsigned long rounds = bootarg_ulong("rounds", 50);
	int vslot = viommu_fdt_slot(), slot, ep, st, same = 1;
	uint64_t start[8], last[8];
	unsigned int i, n, msi = 0;
	uint8_t type[8];

	irq_handler(VECTOR, edu_isr);
	slot = pci_find(EDU_VENDOR, EDU_DEVICE);
	report(slot > 0 && vslot > 0, "edu at slot %d, virtio-iommu at %d", slot,
	       vslot);
	if (slot <= 0 || vslot <= 0)
		report_summary();
	ep = viommu_fdt_endpoint((unsigned int)slot);
	report(ep == slot << 3, "iommu-map: edu is endpoint 0x%x", ep);
	report(viommu_open(&d, (unsigned int)vslot) == 0, "virtio-iommu ready");

	/* Its own statement: n is printed after the call fills it. */
	st = viommu_probe(&d, (uint32_t)ep, start, last, type, 8, &n);
	report(st == VIOMMU_S_OK && n > 0, "PROBE: %u reserved regions", n);
	for (i = 0; i < n; i++)
		msi |= type[i] == RESV_MSI && start[i] <= GUEST_MSI_BASE &&
		       last[i] >= GUEST_MSI_LAST;
	report(msi, "the MSI window is a reserved region (T_MSI)");

	bar0 = pci_cfg_read32((unsigned int)slot, 0x10) & ~0xfULL;
	pci_cfg_write16((unsigned int)slot, 0x04,
			pci_cfg_read16((unsigned int)slot, 0x04) | 0x6);
	report(rd(EDU_ID) == EDU_ID_VALUE, "edu identification register");
	wr(EDU_IRQ_ACK, rd(EDU_IRQ_STATUS));
	report(msi_enable((unsigned int)slot), "MSI enabled (bypasses "
						"translation)");
	/* Before ATTACH: an empty address space, no bypass. */
	report(write_reaches_nothing(0x11), "before ATTACH a DMA write "
					    "reaches no guest memory");

	report(viommu_attach(&d, DOMAIN, (uint32_t)ep) == VIOMMU_S_OK,
	       "ATTACH endpoint 0x%x to domain %u", ep, DOMAIN);
	report(viommu_map(&d, DOMAIN, IOVA_SRC, IOVA_SRC + 0xfff,
			  (uintptr_t)src, VIOMMU_MAP_R) == VIOMMU_S_OK &&
		       viommu_map(&d, DOMAIN, IOVA_DST, IOVA_DST + 0xfff,
				  (uintptr_t)dst, VIOMMU_MAP_W) == VIOMMU_S_OK,
	       "MAP IOVA 0x%llx -> GPA 0x%lx (read), 0x%llx -> 0x%lx (write)",
	       IOVA_SRC, (unsigned long)(uintptr_t)src, IOVA_DST,
	       (unsigned long)(uintptr_t)dst);
	report(viommu_map(&d, DOMAIN, IOVA_SRC, IOVA_DST + 0xfff,
			  (uintptr_t)src, VIOMMU_MAP_R) == VIOMMU_S_INVAL,
	       "an overlapping MAP: INVAL");
	report(viommu_map(&d, DOMAIN, GUEST_MSI_BASE, GUEST_MSI_BASE + 0xfff,
			  (uintptr_t)src, VIOMMU_MAP_R) == VIOMMU_S_RANGE,
	       "a MAP into the MSI window: RANGE");

	for (i = 0; i < DMA_LEN; i++)
		src[i] = (uint8_t)(i * 31 + 7);
	memset(dst, 0, sizeof(dst));
	report(dma(IOVA_SRC, EDU_DMA_BUF, DMA_LEN, 0) &&
		       dma(EDU_DMA_BUF, IOVA_DST, DMA_LEN, DMA_TO_RAM),
	       "DMA guest -> edu -> guest through IOVAs");
	for (i = 0; i < DMA_LEN; i++)
		same &= src[i] == dst[i];
	report(same, "the round trip through the guest's mappings is intact");

	report(viommu_unmap(&d, DOMAIN, IOVA_DST, IOVA_DST + 0x7ff) ==
		       VIOMMU_S_RANGE,
	       "an UNMAP that would split a mapping: RANGE, nothing removed");
	report(viommu_unmap(&d, DOMAIN, IOVA_DST, IOVA_DST + 0xfff) ==
		       VIOMMU_S_OK,
	       "UNMAP IOVA 0x%llx", IOVA_DST);
	report(write_reaches_nothing(0x5a),
	       "a DMA write to the unmapped IOVA reaches neither the old "
	       "buffer nor GPA 0x%llx", IOVA_DST);

	bench((uint32_t)ep, rounds > ROUNDS_MAX ? ROUNDS_MAX : (unsigned)rounds);

	report(viommu_map(&d, DOMAIN, IOVA_DST, IOVA_DST + 0xfff,
			  (uintptr_t)dst, VIOMMU_MAP_W) == VIOMMU_S_OK,
	       "MAP it again");
	report(viommu_detach(&d, DOMAIN, (uint32_t)ep) == VIOMMU_S_OK,
	       "DETACH");
	report(write_reaches_nothing(0xa5),
	       "after DETACH a DMA write to a mapped IOVA reaches nothing");
	report(viommu_map(&d, DOMAIN, IOVA_DST, IOVA_DST + 0xfff,
			  (uintptr_t)dst, VIOMMU_MAP_W) == VIOMMU_S_NOENT,
	       "the domain went with its last endpoint: MAP gets NOENT");
	report_summary();
}
