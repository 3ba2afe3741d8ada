// SPDX-License-Identifier: MIT
/*
 * virtio: ferry's virtio-pci transport and its virtio-iommu (--viommu,
 * no device behind it) as a driver sees them, and as a hostile one
 * abuses them: capabilities and IDs, feature negotiation (and what it
 * must refuse), the config, requests on the request queue (every one
 * refused for want of endpoints and domains), MSI-X interrupts, doorbells
 * of both widths, then a queue broken on purpose (DEVICE_NEEDS_RESET, a
 * config interrupt, no more answers) and a reset that brings it back.
 */
#include "lib/guest.h"
#include "lib/virtio.h"

#define VEC_Q 0x50
#define VEC_CFG 0x51
#define STATUS_NEEDS_RESET 0x40
#define IRQ_SPINS 20000000UL /* windows; ends when the interrupt comes */
#define BROKEN_POLLS 100000UL /* status reads, an interrupt window each */

static struct vdev d;

static void setup_with_irqs(void)
{
	virtio_negotiate(&d, 1ULL << VIOMMU_F_MAP_UNMAP |
				     1ULL << VIOMMU_F_PROBE);
	/* A message that cannot be set up shows as an interrupt missed. */
	virtio_msix(&d, 0, VEC_Q);
	virtio_msix(&d, 1, VEC_CFG);
	virtio_set_config_vector(&d, 1);
	virtio_queue(&d, 0, 0);
	virtio_queue(&d, 1, 0xffff);
	virtio_set_status(&d, 15);
}

/*
 * The worker thread marks the device broken on its own time (seconds on
 * a nested host): wait for DEVICE_NEEDS_RESET and the config interrupt
 * after @irqs, polling the status with an interrupt window between
 * reads. 1 if both came.
 */
static int wait_broken(unsigned int irqs)
{
	unsigned long polls = BROKEN_POLLS;

	while (polls--) {
		if ((virtio_status(&d) & STATUS_NEEDS_RESET) &&
		    irq_seen(VEC_CFG) > irqs)
			return 1;
		irq_wait(VEC_CFG, irqs + 1, 1000);
	}
	return 0;
}

int main(void)
{
	int slot = viommu_fdt_slot(), st;
	uint8_t junk[8] = { 9 }, tail[4];
	uint64_t f, start[8], last[8];
	unsigned int n, irqs;
	uint8_t type[8];

	report(slot > 0, "the device tree has a virtio-iommu at slot %d", slot);
	if (slot <= 0)
		report_summary();
	report(pci_cfg_read32((unsigned int)slot, 0) == 0x10571af4 &&
		       pci_cfg_read8((unsigned int)slot, 8) == 1,
	       "1af4:1057, revision 1 (modern only)");
	report(virtio_open(&d, (unsigned int)slot) == 0 && d.msix_nr == 3,
	       "common, notify, ISR and device capabilities; 3 MSI-X vectors");
	f = virtio_device_features(&d);
	report((f >> 32 & 1) && (f & 1ULL << VIOMMU_F_MAP_UNMAP) &&
		       (f & 1ULL << VIOMMU_F_PROBE) &&
		       (f & 1ULL << VIOMMU_F_INPUT_RANGE) &&
		       (f & 1ULL << VIOMMU_F_BYPASS_CONFIG) &&
		       !(f & 1ULL << VIOMMU_F_BYPASS),
	       "features 0x%lx: VERSION_1, MAP_UNMAP, INPUT_RANGE, PROBE, "
	       "BYPASS_CONFIG (not the old BYPASS)", (unsigned long)f);

	/* What negotiation must refuse. */
	virtio_reset(&d);
	virtio_set_status(&d, 3);
	mmio_write32(d.common + 0x08, 0);
	mmio_write32(d.common + 0x0c, 4);
	virtio_set_status(&d, 11);
	report(!(virtio_status(&d) & 8), "FEATURES_OK refused without VERSION_1");
	report(virtio_negotiate(&d, 1ULL << 1) != 0,
	       "FEATURES_OK refused for a feature not offered");
	virtio_reset(&d);
	report(virtio_status(&d) == 0, "reset reads back 0");

	report(viommu_open(&d, (unsigned int)slot) == 0, "driver ready");
	report((virtio_config(&d, 0, 8) & 0xfff) == 0 &&
		       (virtio_config(&d, 0, 8) & 0x1000),
	       "page size mask 0x%lx: a 4 KiB granule",
	       (unsigned long)virtio_config(&d, 0, 8));
	report(virtio_config(&d, 16, 8) > virtio_config(&d, 8, 8),
	       "input range 0x%lx-0x%lx", (unsigned long)virtio_config(&d, 8, 8),
	       (unsigned long)virtio_config(&d, 16, 8));
	report(virtio_config(&d, 32, 4) == 512, "probe size 512");

	report(viommu_probe(&d, 0x99, start, last, type, 8, &n) ==
		       VIOMMU_S_NOENT,
	       "PROBE of an endpoint that does not exist: NOENT");
	report(viommu_attach(&d, 1, 0x99) == VIOMMU_S_NOENT,
	       "ATTACH of an endpoint that does not exist: NOENT");
	report(viommu_map(&d, 1, 0x1000, 0x1fff, 0x1000, 3) == VIOMMU_S_NOENT,
	       "MAP in a domain that does not exist: NOENT");
	report(viommu_unmap(&d, 1, 0, 0xfff) == VIOMMU_S_NOENT,
	       "UNMAP in a domain that does not exist: NOENT");
	report(viommu_detach(&d, 1, 0x99) == VIOMMU_S_NOENT, "DETACH: NOENT");
	report(virtio_request(&d, 0, junk, sizeof(junk), tail, 4) == 0,
	       "an unknown request comes back unwritten (used length 0)");

	/* Interrupts: MSI-X vector 0 for the queue, 1 for config changes. */
	virtio_reset(&d);
	setup_with_irqs();
	report(virtio_status(&d) == 15, "set up again with MSI-X");
	irqs = irq_seen(VEC_Q);
	st = viommu_attach(&d, 1, 0x99);
	report(st == VIOMMU_S_NOENT && irq_wait(VEC_Q, irqs + 1, IRQ_SPINS),
	       "a completed request raises the queue's MSI-X vector");
	/* A 4-byte doorbell write: not an ioeventfd's size, it exits. */
	d.kick_width = 4;
	st = viommu_detach(&d, 2, 0x98);
	d.kick_width = 2;
	report(st == VIOMMU_S_NOENT, "a 4-byte doorbell write works too");

	/* A hostile driver: a head index past the queue. */
	irqs = irq_seen(VEC_CFG);
	*(volatile uint16_t *)(d.q[0].avail + 4 +
			       2 * (d.q[0].next_avail % d.q[0].size)) = 77;
	*(volatile uint16_t *)(d.q[0].avail + 2) = ++d.q[0].next_avail;
	virtio_kick(&d, 0, 2);
	report(wait_broken(irqs),
	       "a descriptor index out of range: DEVICE_NEEDS_RESET and a "
	       "config interrupt");
	d.q[0].last_used = *(volatile uint16_t *)(d.q[0].used + 2);
	d.spins = 300000; /* what a request takes, a hundred times over */
	report(virtio_request(&d, 0, junk, sizeof(junk), tail, 4) < 0,
	       "a broken device answers nothing");
	virtio_reset(&d);
	report(viommu_open(&d, (unsigned int)slot) == 0 &&
		       viommu_attach(&d, 1, 0x99) == VIOMMU_S_NOENT,
	       "after a reset it works again");

	/* A queue of 3 entries is not a queue. */
	virtio_negotiate(&d, 1ULL << VIOMMU_F_MAP_UNMAP);
	mmio_write16(d.common + 0x16, 0);
	mmio_write16(d.common + 0x18, 3);
	mmio_write16(d.common + 0x1c, 1);
	report(virtio_status(&d) & STATUS_NEEDS_RESET,
	       "enabling a queue of 3 entries: DEVICE_NEEDS_RESET");
	virtio_reset(&d);
	report(viommu_open(&d, (unsigned int)slot) == 0 &&
		       viommu_probe(&d, 0x99, start, last, type, 8, &n) ==
			       VIOMMU_S_NOENT,
	       "and after a reset it works again");
	report_summary();
}
